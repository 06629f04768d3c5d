#include "engine/geo.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace silang::geo {

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRad = std::numbers::pi / 180.0;
  double dlat = (lat2 - lat1) * kRad;
  double dlon = (lon2 - lon1) * kRad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) *
                 std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

UnitVector ToUnitVector(double lat, double lon) {
  constexpr double kRad = std::numbers::pi / 180.0;
  const double phi = lat * kRad;
  const double lambda = lon * kRad;
  return {std::cos(phi) * std::cos(lambda), std::cos(phi) * std::sin(lambda),
          std::sin(phi)};
}

double DistanceKm(const UnitVector& a, const UnitVector& b) {
  const double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
  const double chord = std::sqrt(dx * dx + dy * dy + dz * dz);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, chord / 2));
}

}  // namespace silang::geo
