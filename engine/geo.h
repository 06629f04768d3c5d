// Great-circle distance between two points on Earth. Pure; thread-safe.
#ifndef SILANG_ENGINE_GEO_H_
#define SILANG_ENGINE_GEO_H_

namespace silang::geo {

inline constexpr double kEarthRadiusKm = 6371.0088;  // IUGG mean radius

// Haversine distance in km between (lat1, lon1) and (lat2, lon2), degrees.
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

// A point as a unit vector from Earth's centre: computed once per place,
// it turns each distance into a subtraction and one asin (routing measures
// thousands of holders per decision).
struct UnitVector {
  double x = 1, y = 0, z = 0;
};
UnitVector ToUnitVector(double lat, double lon);
// The same great-circle distance as above, from the chord between a and b.
double DistanceKm(const UnitVector& a, const UnitVector& b);

}  // namespace silang::geo

#endif  // SILANG_ENGINE_GEO_H_
