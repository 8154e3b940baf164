// The posture section of the HTML report (report/html_report.h): outbound recipient
// domains by readiness for TLS Required, downgrades explained, deprecated or weak TLS.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "render/texts.h"
#include "report/posture.h"

namespace mailtls {

// Rows needing action come first (load_posture's order); the table shows at most this many.
inline constexpr size_t kMaxPostureRows = 50;

// The <section id="posture"> element; every text from the database is escaped.
std::string posture_section(const std::vector<PostureRow>& rows, int64_t min_connections, const Texts& texts);

}  // namespace mailtls
