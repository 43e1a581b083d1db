// inf_values.h — what the values of a network INF mean, one rule each for the installer and the
// linter (seed 003 §4.2.2 classes, §4.2.4 Characteristics, §4.2.7 AddReg, §4.2.7.13 FilterClass;
// Microsoft's "INF AddReg Directive"). Numbers are inf_number() of inf.h. Internal to src/netcfg;
// pure functions and constants, any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::netcfg {

// ---- text ---------------------------------------------------------------------------------
// ASCII lower case (other bytes unchanged), the form case-insensitive INF names compare in.
std::string lower(std::string_view text);
// `text` without the blanks, CRs and LFs around it (INF fields, and registry strings holding them).
std::string trim(std::string_view text);
// A comma-separated list (UpperRange, RequiredAll, FilterMediaTypes…): tokens trimmed, empty ones
// dropped, case kept.
std::vector<std::string> split_list(std::string_view text);
// One byte of binary AddReg data: one or two hex digits, 0x-prefixed or not, trimmed; nullopt otherwise.
std::optional<uint8_t> hex_byte(std::string_view text);

// ---- setup classes (seed §4.2.2) ------------------------------------------------------------
// The four network setup classes, plus IrDA's Infrared class (which the installer does not install).
enum class NetClass { Unknown, Net, NetTrans, NetClient, NetService, Infrared };

std::string_view class_name(NetClass c);  // "Net", …; "unknown" for Unknown
std::string_view class_guid(NetClass c);  // "{4D36E972-…}", …; "" for Unknown
// The class a ClassGuid names (trimmed, case-insensitive, braces required), or Unknown.
NetClass class_from_guid(std::string_view guid);
// The class a Class= name names (trimmed, case-insensitive), or Unknown.
NetClass class_from_name(std::string_view name);
inline bool is_software(NetClass c) {
    return c == NetClass::NetTrans || c == NetClass::NetClient || c == NetClass::NetService;
}

// ---- Characteristics (seed §4.2.4; NCF_NDIS_PROTOCOL and NCF_LW_FILTER from Microsoft's
// "DDInstall Section in a Network INF File") ---------------------------------------------------
inline constexpr uint32_t kNcfVirtual = 0x1;
inline constexpr uint32_t kNcfSoftwareEnumerated = 0x2;
inline constexpr uint32_t kNcfPhysical = 0x4;
inline constexpr uint32_t kNcfHidden = 0x8;
inline constexpr uint32_t kNcfNoService = 0x10;
inline constexpr uint32_t kNcfNotUserRemovable = 0x20;
inline constexpr uint32_t kNcfMultiportInstancedAdapter = 0x40;
inline constexpr uint32_t kNcfHasUi = 0x80;
inline constexpr uint32_t kNcfFilter = 0x400;
inline constexpr uint32_t kNcfNdisProtocol = 0x4000;
inline constexpr uint32_t kNcfLwFilter = 0x40000;
// NCF_VIRTUAL, NCF_SOFTWARE_ENUMERATED and NCF_PHYSICAL: an adapter is at most one of them.
inline constexpr uint32_t kNcfAdapterKinds = kNcfVirtual | kNcfSoftwareEnumerated | kNcfPhysical;

// ---- AddReg flags (FLG_ADDREG_*, setupapi.h) ------------------------------------------------
// The type lives in the bits of kFlgTypeMask: with FLG_ADDREG_BINVALUETYPE the high word is a
// REG_* type, without it 0, 1 or 2 select SZ, MULTI_SZ or EXPAND_SZ. The rest are flags.
inline constexpr uint32_t kFlgBinValueType = 0x00000001;
inline constexpr uint32_t kFlgNoClobber = 0x00000002;
inline constexpr uint32_t kFlgDelVal = 0x00000004;
inline constexpr uint32_t kFlgAppend = 0x00000008;
inline constexpr uint32_t kFlgKeyOnly = 0x00000010;
inline constexpr uint32_t kFlgOverwriteOnly = 0x00000020;
inline constexpr uint32_t kFlg64BitKey = 0x00001000;
inline constexpr uint32_t kFlgKeyOnlyCommon = 0x00002000;
inline constexpr uint32_t kFlg32BitKey = 0x00004000;
inline constexpr uint32_t kFlgKnown = kFlgBinValueType | kFlgNoClobber | kFlgDelVal | kFlgAppend | kFlgKeyOnly |
                                      kFlgOverwriteOnly | kFlg64BitKey | kFlgKeyOnlyCommon | kFlg32BitKey;
inline constexpr uint32_t kFlgTypeMask = 0xFFFF0001;
inline constexpr uint32_t kFlgTypeSz = 0x00000000;
inline constexpr uint32_t kFlgTypeMultiSz = 0x00010000;
inline constexpr uint32_t kFlgTypeExpandSz = 0x00020000;
inline constexpr uint32_t kFlgTypeDword = 0x00010001;
inline constexpr uint32_t kFlgTypeNone = 0x00020001;

// The bits of an AddReg flags field that are neither a documented flag nor type bits; 0 when none.
constexpr uint32_t unknown_addreg_flags(uint32_t flags) { return flags & ~(kFlgKnown | kFlgTypeMask); }

// ---- filters (seed §4.2.7.13) -----------------------------------------------------------------
// The Ndi\FilterClass values, in the order filters stack from the top.
inline constexpr std::array<std::string_view, 3> kFilterClasses{"scheduler", "loadbalance", "failover"};
// Whether `name` is one of kFilterClasses (ASCII case-insensitive, not trimmed).
bool is_filter_class(std::string_view name);

}  // namespace strata::netcfg
