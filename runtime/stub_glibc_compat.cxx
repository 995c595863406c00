// Linked into the artifact stub only (runtime/CMakeLists.txt; the .cxx suffix keeps it out of the
// agt_runtime library's sources): what keeps an artifact loadable on glibc 2.28 (manylinux_2_28) when
// it is built on a newer one. tests/runtime/test_stub_glibc.cpp reads the stub's version-needed
// entries and fails on anything newer.
//
// - dlopen, dlsym, dlclose, dlerror, dladdr: glibc 2.34 moved them into libc under GLIBC_2.34 and kept
//   the GLIBC_2.2.5 ones for old binaries. The stub is linked with --wrap for each, and the wrappers
//   call the GLIBC_2.2.5 versions (in libc on 2.34+, in libdl.so.2 before: the stub NEEDs libdl).
// - fstat: a function only since 2.33 (before, an inline wrapper around __fxstat); wrapped into the
//   system call, whose struct is glibc's struct stat on x86-64.
// - __libc_single_threaded (2.32, read by libstdc++.a to skip atomics in single-threaded processes):
//   our own copy, 0: "may be threaded", so libstdc++ always takes the atomic path.
// - arc4random (2.36): std::random_device's, which libstdc++.a's COW-string instantiations pull in;
//   the stub never calls it. Ours asks the kernel (getrandom).
// - The unwinder comes from libgcc_s.so.1 (not the static libgcc_eh, which needs _dl_find_object, 2.35).
#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#define AGT_HIDDEN __attribute__((visibility("hidden")))

__asm__(".symver agt_dlopen_2_2_5, dlopen@GLIBC_2.2.5");
__asm__(".symver agt_dlsym_2_2_5, dlsym@GLIBC_2.2.5");
__asm__(".symver agt_dlclose_2_2_5, dlclose@GLIBC_2.2.5");
__asm__(".symver agt_dlerror_2_2_5, dlerror@GLIBC_2.2.5");
__asm__(".symver agt_dladdr_2_2_5, dladdr@GLIBC_2.2.5");

extern "C" {

void* agt_dlopen_2_2_5(const char* file, int mode);
void* agt_dlsym_2_2_5(void* handle, const char* name);
int agt_dlclose_2_2_5(void* handle);
char* agt_dlerror_2_2_5(void);
int agt_dladdr_2_2_5(const void* addr, Dl_info* info);

AGT_HIDDEN void* __wrap_dlopen(const char* file, int mode) { return agt_dlopen_2_2_5(file, mode); }
AGT_HIDDEN void* __wrap_dlsym(void* handle, const char* name) { return agt_dlsym_2_2_5(handle, name); }
AGT_HIDDEN int __wrap_dlclose(void* handle) { return agt_dlclose_2_2_5(handle); }
AGT_HIDDEN char* __wrap_dlerror(void) { return agt_dlerror_2_2_5(); }
AGT_HIDDEN int __wrap_dladdr(const void* addr, Dl_info* info) { return agt_dladdr_2_2_5(addr, info); }

AGT_HIDDEN int __wrap_fstat(int fd, struct stat* st) { return static_cast<int>(syscall(SYS_fstat, fd, st)); }

AGT_HIDDEN char __libc_single_threaded = 0;

AGT_HIDDEN uint32_t arc4random(void) {
  uint32_t v = 0;
  if (syscall(SYS_getrandom, &v, sizeof v, 0) != static_cast<long>(sizeof v)) v = 0x9e3779b9u;
  return v;
}

}  // extern "C"
