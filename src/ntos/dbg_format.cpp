// dbg_format.cpp — the DbgPrint dialect of printf (seed 003 §2.3 debugging aids); see dbg_format.h.
#include "ntos/dbg_format.h"

#include <wdm.h>

#include <cstdio>
#include <string_view>

#include "ntos/string.h"

namespace strata::ntos {
namespace {

enum class Size { normal, hh, h, l, ll, big_l, z, j, t, wide, i64, i32, ptr };

// One conversion after its '%': flags, width, precision and size, with '*' already resolved.
struct Spec {
    std::string flags;
    int width = -1;
    int precision = -1;
    Size size = Size::normal;
};

// Rebuilds a C conversion ("%-08.3" + length + `conversion`) for snprintf.
std::string c_spec(const Spec& spec, const char* length, char conversion) {
    std::string out = "%" + spec.flags;
    if (spec.width >= 0) out += std::to_string(spec.width);
    if (spec.precision >= 0) out += "." + std::to_string(spec.precision);
    return out + length + conversion;
}

template <class T>
void append_c(std::string& out, const Spec& spec, const char* length, char conversion, T value) {
    std::string fmt = c_spec(spec, length, conversion);
    char small[128];
    int n = std::snprintf(small, sizeof small, fmt.c_str(), value);
    if (n < 0) return;
    if (static_cast<std::size_t>(n) < sizeof small) {
        out.append(small, static_cast<std::size_t>(n));
        return;
    }
    std::string big(static_cast<std::size_t>(n) + 1, '\0');
    std::snprintf(big.data(), big.size(), fmt.c_str(), value);
    out.append(big.data(), static_cast<std::size_t>(n));
}

// Strings already converted to UTF-8 go through %s so width and '-' behave as usual; precision
// was applied to the source characters.
void append_text(std::string& out, Spec spec, const std::string& text) {
    spec.precision = -1;
    append_c(out, spec, "", 's', text.c_str());
}

std::u16string_view wide_z(const WCHAR* s, int precision) {
    if (s == nullptr) return u"(null)";
    std::size_t n = 0;
    while (s[n] != 0 && (precision < 0 || n < static_cast<std::size_t>(precision))) ++n;
    return {s, n};
}

void append_integer(std::string& out, const Spec& spec, char conversion, va_list& args) {
    bool is_signed = conversion == 'd' || conversion == 'i';
    switch (spec.size) {
    case Size::l:
        is_signed ? append_c(out, spec, "l", conversion, va_arg(args, long))
                  : append_c(out, spec, "l", conversion, va_arg(args, unsigned long));
        break;
    case Size::ll:
    case Size::i64:
        is_signed ? append_c(out, spec, "ll", conversion, va_arg(args, long long))
                  : append_c(out, spec, "ll", conversion, va_arg(args, unsigned long long));
        break;
    case Size::z:
    case Size::j:
    case Size::t:
    case Size::ptr:
        is_signed ? append_c(out, spec, "ll", conversion, static_cast<long long>(va_arg(args, SSIZE_T)))
                  : append_c(out, spec, "ll", conversion, static_cast<unsigned long long>(va_arg(args, SIZE_T)));
        break;
    case Size::hh:
        append_c(out, spec, "hh", conversion, va_arg(args, int));
        break;
    case Size::h:
        append_c(out, spec, "h", conversion, va_arg(args, int));
        break;
    default:
        is_signed ? append_c(out, spec, "", conversion, va_arg(args, int))
                  : append_c(out, spec, "", conversion, va_arg(args, unsigned));
        break;
    }
}

// Parses flags, width, precision and size at `p` (just after '%'), consuming '*' arguments.
Spec parse_spec(const char*& p, va_list& args) {
    Spec spec;
    while (*p == '-' || *p == '+' || *p == ' ' || *p == '#' || *p == '0') spec.flags += *p++;
    if (*p == '*') {
        spec.width = va_arg(args, int);
        if (spec.width < 0) {
            spec.flags += '-';
            spec.width = -spec.width;
        }
        ++p;
    } else {
        for (spec.width = *p >= '0' && *p <= '9' ? 0 : -1; *p >= '0' && *p <= '9'; ++p) spec.width = spec.width * 10 + (*p - '0');
    }
    if (*p == '.') {
        ++p;
        if (*p == '*') {
            spec.precision = va_arg(args, int);
            ++p;
        } else {
            for (spec.precision = 0; *p >= '0' && *p <= '9'; ++p) spec.precision = spec.precision * 10 + (*p - '0');
        }
    }
    std::string_view rest(p);
    auto take = [&](std::string_view prefix, Size size) {
        if (!rest.starts_with(prefix)) return false;
        spec.size = size;
        p += prefix.size();
        return true;
    };
    take("I64", Size::i64) || take("I32", Size::i32) || take("I", Size::ptr) || take("hh", Size::hh) ||
        take("h", Size::h) || take("ll", Size::ll) || take("l", Size::l) || take("L", Size::big_l) ||
        take("z", Size::z) || take("j", Size::j) || take("t", Size::t) || take("w", Size::wide);
    return spec;
}

}  // namespace

std::string format_windows(const char* format, va_list caller_args) {
    std::string out;
    if (format == nullptr) return out;
    // A parameter of array type va_list has decayed to a pointer; the helpers need the real object.
    va_list args;
    va_copy(args, caller_args);
    struct End {
        va_list& list;
        ~End() { va_end(list); }
    } end{args};
    for (const char* p = format; *p != '\0';) {
        if (*p != '%') {
            out += *p++;
            continue;
        }
        const char* start = p++;
        if (*p == '%') {
            out += *p++;
            continue;
        }
        Spec spec = parse_spec(p, args);
        char conversion = *p;
        if (conversion == '\0') {
            out.append(start);  // a dangling '%': print it as written
            break;
        }
        ++p;
        bool wide = spec.size == Size::wide || spec.size == Size::l;
        switch (conversion) {
        case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
            append_integer(out, spec, conversion, args);
            break;
        case 'c': case 'C':
            if (wide || (conversion == 'C' && spec.size != Size::h)) {
                auto unit = static_cast<char16_t>(va_arg(args, int));
                append_text(out, spec, to_utf8(std::u16string_view(&unit, 1)));
            } else {
                append_c(out, spec, "", 'c', va_arg(args, int));
            }
            break;
        case 's': case 'S':
            if (wide || (conversion == 'S' && spec.size != Size::h)) {
                append_text(out, spec, to_utf8(wide_z(va_arg(args, const WCHAR*), spec.precision)));
            } else {
                const char* s = va_arg(args, const char*);
                append_c(out, spec, "", 's', s != nullptr ? s : "(null)");
            }
            break;
        case 'Z':
            if (spec.size == Size::wide) {
                auto* u = va_arg(args, const UNICODE_STRING*);
                append_text(out, spec, u != nullptr ? to_utf8(*u) : "(null)");
            } else {
                auto* a = va_arg(args, const ANSI_STRING*);
                append_text(out, spec, a != nullptr ? std::string(view(*a)) : "(null)");
            }
            break;
        case 'p':
            append_c(out, spec, "", 'p', va_arg(args, void*));
            break;
        case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
            spec.size == Size::big_l ? append_c(out, spec, "L", conversion, va_arg(args, long double))
                                     : append_c(out, spec, "", conversion, va_arg(args, double));
            break;
        case 'n':
            (void)va_arg(args, void*);  // never written through: a debug print must not store
            break;
        default:
            out.append(start, p);  // unknown conversion: show it rather than guess its argument
            break;
        }
    }
    return out;
}

}  // namespace strata::ntos
