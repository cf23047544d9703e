// DECIMAL(p,s) values as text: the one canonical spelling, and the scaled integer the bucket hash
// uses. Private to proto.
#pragma once

#include <string>
#include <string_view>

#include "deltatunnel/proto/status.h"

namespace deltatunnel::proto {

__extension__ typedef __int128 Int128;

// Normalises plain decimal text ("[+-]digits[.digits]", at least one digit, no exponent, no spaces)
// to exactly `scale` fraction digits, rounding extra digits half-up (away from zero), refusing more
// than precision - scale integer digits. "-0.00" becomes "0.00". `*out` is untouched on failure.
Status NormalizeDecimal(std::string_view text, int precision, int scale, std::string* out);

// The value of canonical text scaled to an integer ("-12.30" -> -1230).
Int128 DecimalUnscaled(std::string_view canonical);

}  // namespace deltatunnel::proto
