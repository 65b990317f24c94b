#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "host/io/atomic_file.hpp"
#include "host/io/csv.hpp"
#include "host/io/npy.hpp"
#include "host/io/sha256.hpp"
#include "host/io/sites_io.hpp"
#include "kernels/core/error.hpp"

using namespace migra;
namespace fs = std::filesystem;

namespace {
std::string temp_file(const std::string& name, const std::string& content) {
  const fs::path dir = fs::temp_directory_path() / "migra-test-io";
  fs::create_directories(dir);
  const std::string p = (dir / name).string();
  std::ofstream(p, std::ios::binary) << content;
  return p;
}
std::string sha(const std::string& s) {
  io::Sha256 h;
  h.update(s.data(), s.size());
  return h.hex();
}
}  // namespace

TEST_CASE("SHA-256 test vectors (FIPS 180-4)", "[host][io]") {
  REQUIRE(sha("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  REQUIRE(sha("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  REQUIRE(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  REQUIRE(sha(std::string(1000000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("CSV: quoting, blank lines and line numbers", "[host][io]") {
  const auto p = temp_file("q.csv", "id,name,population\r\n01,\"Autauga, Alabama\",54571\n\n02,\"say \"\"hi\"\"\",7\n");
  const auto t = io::CsvTable::read(p);
  REQUIRE(t.rows() == 2);
  REQUIRE(t.text(0, t.column("name")) == "Autauga, Alabama");
  REQUIRE(t.text(1, 1) == "say \"hi\"");
  REQUIRE(t.text(0, 0) == "01");  // ids stay strings: leading zeros kept
  REQUIRE(t.line(1) == 4);
  REQUIRE(t.number(1, 2) == 7.0);
}

TEST_CASE("CSV and sites: errors name file, line and field", "[host][io]") {
  const auto check = [](const std::string& content, const std::string& what) {
    const auto p = temp_file("bad.csv", content);
    REQUIRE_THROWS_WITH(io::read_sites(p), Catch::Contains(p) && Catch::Contains(what));
  };
  check("id,population,lon\n1,5,3\n", ":1: missing column 'lat'");
  check("id,population,x,y\n1,5,0,0\n2,abc,1,1\n", ":3: field 'population': 'abc' is not a number");
  check("id,population,x,y\n1,5,0,0\n2,nan,1,1\n", ":3: field 'population': 'nan' is not a finite number");
  check("id,population,x,y\n1,5,0,0\n2,-4,1,1\n", ":3: field 'population': negative population");
  check("id,population,x,y\n1,5,0,0\n1,4,1,1\n", ":3: field 'id': duplicate id '1' (first on line 2)");
  check("id,population,x,y\n1,5,0,0\n", "at least 2");
  check("id,population,x,y\n1,5,0\n", ":2: 3 fields, but the header has 4");
  check("", "empty");
  check("id,population,lon,lat\n1,5,0,95\n2,5,0,0\n", ":2: field 'lat': latitude 95 out of range");
  REQUIRE_THROWS_WITH(io::read_sites("/nonexistent/sites.csv"), Catch::Contains("/nonexistent/sites.csv: cannot open"));
  const auto sites = io::read_sites(temp_file("ok.csv", "id,population,x,y\na,5,0,0\nb,4,1,1\n"));
  REQUIRE(sites.sites.metric == flows::Metric::Euclidean);
  const auto f = temp_file("f.csv", "flow,origin,destination\n3,a,b\n2,b,zz\n");
  REQUIRE_THROWS_WITH(io::read_flows(f, sites), Catch::Contains(f + ":3: field 'destination': unknown site id 'zz'"));
}

TEST_CASE("npy header and atomic files", "[host][io]") {
  const std::string h = io::npy_header(62, 62);
  REQUIRE(h.size() % 64 == 0);
  REQUIRE(h.substr(0, 6) == "\x93NUMPY");
  REQUIRE(h.find("'shape': (62, 62)") != std::string::npos);
  REQUIRE(h.back() == '\n');
  const fs::path dir = fs::temp_directory_path() / "migra-test-io";
  const std::string p = (dir / "m.npy").string();
  fs::remove(p);
  {
    io::NpyWriter w(p, 2, 3);
    const double rows[6] = {1, 2, 3, 4, 5, 6};
    w.append_rows(rows, 2);
    REQUIRE_FALSE(fs::exists(p));  // not visible before commit
    const std::string digest = w.commit();
    REQUIRE(digest == io::sha256_file(p));
  }
  REQUIRE(fs::file_size(p) == io::npy_header(2, 3).size() + 6 * sizeof(double));
  {
    io::AtomicFile dropped((dir / "never.txt").string());
    dropped.write("partial");
  }
  REQUIRE_FALSE(fs::exists(dir / "never.txt"));
  for (const auto& e : fs::directory_iterator(dir)) REQUIRE(e.path().filename().string().find(".tmp-") == std::string::npos);
}
