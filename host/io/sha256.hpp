#pragma once
/// SHA-256 (FIPS 180-4), incremental, for the output checksums in manifest.json.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace migra::io {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t bytes);
  /// Finishes the digest (the object is spent afterwards) as 64 lowercase hex digits.
  std::string hex();

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t bytes_ = 0;
};

/// SHA-256 of a file's contents, hex.
std::string sha256_file(const std::string& path);
/// SHA-256 of bytes held in memory, hex.
std::string sha256_hex(const std::string& bytes);

}  // namespace migra::io
