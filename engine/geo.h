// Great-circle distance between two points on Earth. Pure; thread-safe.
#ifndef SILANG_ENGINE_GEO_H_
#define SILANG_ENGINE_GEO_H_

namespace silang::geo {

inline constexpr double kEarthRadiusKm = 6371.0088;  // IUGG mean radius

// Haversine distance in km between (lat1, lon1) and (lat2, lon2), degrees.
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

}  // namespace silang::geo

#endif  // SILANG_ENGINE_GEO_H_
