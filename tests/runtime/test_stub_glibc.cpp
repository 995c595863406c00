// The artifact loads on glibc >= 2.28 (manylinux_2_28): every version-needed entry (.gnu.version_r)
// of the artifact stub and of a packed artifact names a glibc version no newer than 2.28, and nothing
// of libstdc++ (it is linked in statically). The ELF is read with <elf.h>: no binutils needed.
#include <elf.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/pack.h"
#include "tests/runtime/sample_artifact.h"

using namespace agt::runtime;

namespace {

struct Need {
  std::string file, version;
};

template <typename T>
T At(const std::vector<uint8_t>& b, uint64_t off) {
  REQUIRE(off + sizeof(T) <= b.size());
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

// The (file, version) pairs of the ELF's version-needed section.
std::vector<Need> VersionNeeds(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(b.size() > sizeof(Elf64_Ehdr));
  REQUIRE(std::memcmp(b.data(), ELFMAG, SELFMAG) == 0);
  REQUIRE(b[EI_CLASS] == ELFCLASS64);
  const auto eh = At<Elf64_Ehdr>(b, 0);
  std::vector<Elf64_Shdr> sh;
  for (int i = 0; i < eh.e_shnum; ++i) sh.push_back(At<Elf64_Shdr>(b, eh.e_shoff + static_cast<uint64_t>(i) * eh.e_shentsize));
  std::vector<Need> out;
  for (const Elf64_Shdr& s : sh) {
    if (s.sh_type != SHT_GNU_verneed) continue;
    REQUIRE(s.sh_link < sh.size());
    const Elf64_Shdr& strtab = sh[s.sh_link];
    auto str = [&](uint64_t off) {
      REQUIRE(off < strtab.sh_size);
      return std::string(reinterpret_cast<const char*>(b.data() + strtab.sh_offset + off));
    };
    uint64_t at = s.sh_offset;
    for (;;) {
      const auto vn = At<Elf64_Verneed>(b, at);
      uint64_t aux = at + vn.vn_aux;
      for (int i = 0; i < vn.vn_cnt; ++i) {
        const auto va = At<Elf64_Vernaux>(b, aux);
        out.push_back({str(vn.vn_file), str(va.vna_name)});
        aux += va.vna_next;
      }
      if (vn.vn_next == 0) break;
      at += vn.vn_next;
    }
  }
  return out;
}

// "GLIBC_2.34" -> {2, 34}; {0, 0} for names that are not glibc versions.
std::pair<int, int> GlibcVersion(const std::string& v) {
  int major = 0, minor = 0;
  if (std::sscanf(v.c_str(), "GLIBC_%d.%d", &major, &minor) < 1) return {0, 0};
  return {major, minor};
}

void CheckLoadsOnGlibc228(const std::string& path) {
  std::vector<Need> needs = VersionNeeds(path);
  CHECK_FALSE(needs.empty());
  bool glibc = false;
  for (const Need& n : needs) {
    INFO(path << ": " << n.file << " " << n.version);
    auto [major, minor] = GlibcVersion(n.version);
    if (major > 0) {
      glibc = true;
      CHECK((major < 2 || (major == 2 && minor <= 28)));
    }
    CHECK(n.version.rfind("GLIBCXX_", 0) != 0);
    CHECK(n.version.rfind("CXXABI_", 0) != 0);
  }
  CHECK(glibc);
}

}  // namespace

TEST_CASE("stub: no version-needed entry newer than glibc 2.28, none of libstdc++", "[runtime][glibc]") {
  auto stub = FindArtifactStub();
  REQUIRE(stub.ok());
#if defined(__x86_64__)
  CheckLoadsOnGlibc228(stub.value());
  // A packed artifact is the stub's bytes and its payload: the same dynamic tables.
  test::TempDir dir;
  const std::string so = dir.path + "/sample.so";
  REQUIRE(PackArtifact(stub.value(), test::SampleArtifact(), so, WeightsMode::kEmbedded).ok());
  CheckLoadsOnGlibc228(so);
#else
  WARN("the glibc 2.28 baseline is kept on x86-64 only (runtime/stub_glibc_compat.cxx)");
#endif
}
