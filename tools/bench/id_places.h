// IdPlaces: the Indonesian places of ../shared/data/geo/id_places.csv
// (GeoNames, CC-BY-4.0), for the routing test network and routing_bench.
//
// The file gives each place a name, province, regency and coordinates; it
// has no island or time zone column. IslandOf maps a province to the island
// (or island group) it lies on, and TimeZoneOf to its legal zone: WIB
// (UTC+7), WITA (UTC+8) or WIT (UTC+9), as set by Indonesian law per
// province. One row has no province; its zone is taken from its longitude.
//
// Header-only; pure functions; thread-safe.
#ifndef SILANG_TOOLS_BENCH_ID_PLACES_H_
#define SILANG_TOOLS_BENCH_ID_PLACES_H_

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace silang::places {

struct Place {
  std::string name;
  std::string province;  // English, as GeoNames spells it ("West Java")
  std::string regency;   // "Kota Bandung"; may be empty
  double lat = 0;
  double lon = 0;
};

// Splits one CSV line (RFC 4180 quoting: "a, b" and "" for a quote).
inline std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

// Reads id_places.csv: every row, in file order.
inline absl::StatusOr<std::vector<Place>> ReadIdPlaces(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::string line;
  std::getline(in, line);
  if (line.rfind("geonameid,name,alt_names,admin1_code,province,", 0) != 0) {
    return absl::DataLossError(absl::StrCat(path, ": unexpected header"));
  }
  std::vector<Place> out;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::vector<std::string> f = SplitCsvLine(line);
    if (f.size() != 12) {
      return absl::DataLossError(
          absl::StrCat(path, ":", line_no, ": ", f.size(), " fields, not 12"));
    }
    Place p;
    p.name = f[1];
    p.province = f[4];
    p.regency = f[6];
    char* end = nullptr;
    p.lat = std::strtod(f[7].c_str(), &end);
    bool ok = !f[7].empty() && *end == '\0';
    p.lon = std::strtod(f[8].c_str(), &end);
    ok = ok && !f[8].empty() && *end == '\0';
    if (!ok) {
      return absl::DataLossError(
          absl::StrCat(path, ":", line_no, ": bad lat/lon"));
    }
    out.push_back(std::move(p));
  }
  return out;
}

// The first place with this name in this province, or null. Several names
// repeat across provinces (Bandung in West and East Java, Surabaya in East
// Java and Lampung, Jayapura in Papua and West Java).
inline const Place* FindPlace(const std::vector<Place>& places,
                              const std::string& name,
                              const std::string& province) {
  for (const Place& p : places) {
    if (p.name == name && p.province == province) return &p;
  }
  return nullptr;
}

// The island or island group a province lies on; "" for an unknown one.
inline std::string IslandOf(const std::string& province) {
  static const std::map<std::string, std::string> kIslands = {
      {"Aceh", "Sumatra"},
      {"North Sumatra", "Sumatra"},
      {"West Sumatra", "Sumatra"},
      {"Riau", "Sumatra"},
      {"Jambi", "Sumatra"},
      {"South Sumatra", "Sumatra"},
      {"Bengkulu", "Sumatra"},
      {"Lampung", "Sumatra"},
      {"Bangka–Belitung Islands", "Bangka-Belitung"},
      {"Riau Islands", "Kepulauan Riau"},
      {"Jakarta", "Jawa"},
      {"Banten", "Jawa"},
      {"West Java", "Jawa"},
      {"Central Java", "Jawa"},
      {"Yogyakarta", "Jawa"},
      {"East Java", "Jawa"},
      {"Bali", "Bali"},
      {"West Nusa Tenggara", "Lombok-Sumbawa"},
      {"East Nusa Tenggara", "Flores-Sumba-Timor"},
      {"West Kalimantan", "Kalimantan"},
      {"Central Kalimantan", "Kalimantan"},
      {"South Kalimantan", "Kalimantan"},
      {"East Kalimantan", "Kalimantan"},
      {"North Kalimantan", "Kalimantan"},
      {"North Sulawesi", "Sulawesi"},
      {"Gorontalo", "Sulawesi"},
      {"Central Sulawesi", "Sulawesi"},
      {"West Sulawesi", "Sulawesi"},
      {"South Sulawesi", "Sulawesi"},
      {"Southeast Sulawesi", "Sulawesi"},
      {"Maluku", "Maluku"},
      {"North Maluku", "Maluku Utara"},
      {"Papua", "Papua"},
      {"West Papua", "Papua"},
      {"Southwest Papua", "Papua"},
      {"Central Papua", "Papua"},
      {"Highland Papua", "Papua"},
      {"South Papua", "Papua"},
  };
  auto it = kIslands.find(province);
  return it == kIslands.end() ? "" : it->second;
}

// "WIB", "WITA" or "WIT" for the province; by longitude if it is unknown.
inline std::string TimeZoneOf(const std::string& province, double lon) {
  static const std::map<std::string, std::string> kZones = {
      {"Aceh", "WIB"},
      {"North Sumatra", "WIB"},
      {"West Sumatra", "WIB"},
      {"Riau", "WIB"},
      {"Jambi", "WIB"},
      {"South Sumatra", "WIB"},
      {"Bengkulu", "WIB"},
      {"Lampung", "WIB"},
      {"Bangka–Belitung Islands", "WIB"},
      {"Riau Islands", "WIB"},
      {"Jakarta", "WIB"},
      {"Banten", "WIB"},
      {"West Java", "WIB"},
      {"Central Java", "WIB"},
      {"Yogyakarta", "WIB"},
      {"East Java", "WIB"},
      {"West Kalimantan", "WIB"},
      {"Central Kalimantan", "WIB"},
      {"Bali", "WITA"},
      {"West Nusa Tenggara", "WITA"},
      {"East Nusa Tenggara", "WITA"},
      {"South Kalimantan", "WITA"},
      {"East Kalimantan", "WITA"},
      {"North Kalimantan", "WITA"},
      {"North Sulawesi", "WITA"},
      {"Gorontalo", "WITA"},
      {"Central Sulawesi", "WITA"},
      {"West Sulawesi", "WITA"},
      {"South Sulawesi", "WITA"},
      {"Southeast Sulawesi", "WITA"},
      {"Maluku", "WIT"},
      {"North Maluku", "WIT"},
      {"Papua", "WIT"},
      {"West Papua", "WIT"},
      {"Southwest Papua", "WIT"},
      {"Central Papua", "WIT"},
      {"Highland Papua", "WIT"},
      {"South Papua", "WIT"},
  };
  auto it = kZones.find(province);
  if (it != kZones.end()) return it->second;
  if (lon < 114.0) return "WIB";
  return lon < 127.0 ? "WITA" : "WIT";
}

}  // namespace silang::places

#endif  // SILANG_TOOLS_BENCH_ID_PLACES_H_
