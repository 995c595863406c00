// The artifact stub's unload hook (built into the stub only; runtime/CMakeLists.txt). The stub carries
// its own libstdc++ (-static-libstdc++), whose emergency exception-allocation pool (about 71 KB,
// allocated when the library is loaded) is referenced only from the stub's own data: every dlopen +
// dlclose of an artifact would leak it (LeakSanitizer reported it in make test-asan's runtime:pack
// tests). __gnu_cxx::__freeres, the hook libstdc++ provides for leak checkers, frees it when the stub
// is unloaded or the process exits; nothing in the stub runs after that.
namespace __gnu_cxx {
void __freeres() noexcept;
}

namespace {
__attribute__((destructor)) void FreeLibstdcxxPool() { __gnu_cxx::__freeres(); }
}  // namespace
