// bindings.cpp — the binding engine (seed 003 §4.2.7.10 binding interfaces, §4.2.7.13 filter
// services; Microsoft's "Intermediate Driver UpperRange And LowerRange INF File Entries").
//
// Rules:
//  - An upper component binds a lower component or adapter when one of its LowerRange tokens
//    equals one of the lower's UpperRange tokens (ASCII case-insensitive); noupper/nolower
//    never match. Filters (NCF_FILTER) take no part in this matching.
//  - For every adapter (a device that is not a filter's virtual miniport) whose LowerRange
//    medium is in a filter's FilterMediaTypes, the filter is inserted: one virtual miniport of
//    its FilterDeviceInfId per adapter (named <filter service>-<adapter>), the filter's service
//    binds the device below it, everything that would bind the adapter binds the top virtual
//    miniport instead. Filters stack by FilterClass, failover lowest, then loadbalance, then
//    scheduler; per adapter one filter per class, the first installed — a later one gets a
//    refused path (enabled=false, reason set).
//  - A path runs from a component down to an adapter; its id is its nodes joined by "->":
//    component ids for components, connection names for devices, e.g.
//    "strata_probe->pfilter-loop0->strata_pfilter->loop0". The edge from a virtual miniport to
//    its filter is internal to the IM (lower_device_name empty): NDIS makes no binding for it.
//  - Linkage of the top service, as Windows writes it: Bind "\Device\<chain>", Export
//    "\Device\<svc>_<chain>", Route the chain's names quoted, where the chain names the nodes
//    down to the first device (component: its service, device: its NetCfgInstanceId) joined by
//    "_". A path is disabled by putting its Route in <svc>\Linkage\Disabled Route (with its
//    Bind and Export in Disabled Bind/Export); a path is enabled only if every path it
//    continues (from each component below its top) is.
//  - Results are stored under CCS\Control\Network\BindingPaths\NNNN (Id, Nodes, Enabled,
//    Reason, Route, Edges\N: UpperComponent, UpperService, LowerDevice, LowerDeviceName) for
//    bindings(); per adapter, Class\{Net}\NNNN\Linkage (Export, RootDevice, UpperBind); per bound
//    adapter, Services\<svc>\Parameters\Adapters\{guid} (with UpperBindings "\Device\{vm}" for a filter).
// Everything is written with set_value over existing keys, so a second run changes nothing.
#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <map>
#include <set>

#include "netcfg/netcfg_internal.h"

namespace strata::netcfg {
namespace fs = std::filesystem;
using namespace detail;

namespace {

struct Node {
    bool is_device = false;
    std::string id;            // component id or device name: the path-id spelling
    std::string component_id;
    std::string service;
    std::string bind_name;     // service (component) or NetCfgInstanceId (device)
    std::string key;
    std::vector<std::string> upper, lower;
    // Filters (components with NCF_FILTER).
    bool filter = false;
    int filter_rank = 0;       // 0 failover, 1 loadbalance, 2 scheduler
    std::string filter_device_id;
    std::vector<std::string> media;
    Device device;             // devices only
};

struct PathRecord {
    BindingPath path;
    std::string service;  // the top component's service
    std::string route, bind, export_name;
    bool user_disabled = false;
};

bool ranges_match(const std::vector<std::string>& lower, const std::vector<std::string>& upper) {
    for (const std::string& l : lower) {
        if (inf_iequals(l, "nolower") || inf_iequals(l, "noupper")) continue;
        if (contains_ci(upper, l)) return true;
    }
    return false;
}

std::vector<Node> read_components(Registry& reg) {
    std::vector<Node> out;
    for (std::string_view guid : {kNetTransClassGuid, kNetClientClassGuid, kNetServiceClassGuid})
        for (const std::string& instance : reg.subkeys(network_key(guid))) {
            Node n;
            n.key = network_key(guid) + "\\" + instance;
            auto id = read_string(reg, n.key, "ComponentId");
            if (!id) continue;
            n.id = n.component_id = *id;
            n.service = read_string(reg, n.key + "\\Ndi", "Service").value_or("");
            n.bind_name = n.service.empty() ? n.component_id : n.service;
            n.upper = read_list(reg, n.key + "\\Ndi\\Interfaces", "UpperRange");
            n.lower = read_list(reg, n.key + "\\Ndi\\Interfaces", "LowerRange");
            n.filter = (read_dword(reg, n.key, "Characteristics").value_or(0) & kNcfFilter) != 0;
            if (n.filter) {
                std::string cls = lower(trim(read_string(reg, n.key + "\\Ndi", "FilterClass").value_or("")));
                n.filter_rank = cls == "scheduler" ? 2 : cls == "loadbalance" ? 1 : 0;
                n.filter_device_id = read_string(reg, n.key + "\\Ndi", "FilterDeviceInfId").value_or("");
                n.media = read_list(reg, n.key + "\\Ndi\\Interfaces", "FilterMediaTypes");
            }
            out.push_back(std::move(n));
        }
    return out;
}

Node device_node(Registry& reg, const Device& d) {
    Node n;
    n.is_device = true;
    n.id = d.name;
    n.component_id = d.component_id;
    n.service = d.service;
    n.bind_name = d.instance_id;
    n.key = d.instance_key;
    n.upper = read_list(reg, d.instance_key + "\\Ndi\\Interfaces", "UpperRange");
    n.lower = d.lower_range;
    n.device = d;
    return n;
}

class Engine {
public:
    Engine(Registry& reg, std::optional<fs::path> root) : reg_(reg), root_(std::move(root)) {}

    std::vector<PathRecord> run() {
        components_ = read_components(reg_);
        plan_filters();
        for (const Device& d : read_devices(reg_))
            if (!d.virtual_miniport) adapters_.push_back(device_node(reg_, d));
        for (const Node& c : components_)
            if (!c.filter) enumerate(c);
        for (const Node& a : adapters_) filter_paths(a);
        apply_disabled();
        write();
        return records_;
    }

private:
    // Creates the virtual miniports every (filter, adapter) pair needs, deletes the others, and
    // records each adapter's stack bottom-up.
    void plan_filters() {
        std::set<std::string> kept;
        std::vector<Device> all = read_devices(reg_);
        std::vector<Device> adapters;
        std::copy_if(all.begin(), all.end(), std::back_inserter(adapters), [](const Device& d) { return !d.virtual_miniport; });
        for (const Device& adapter : adapters) {
            std::vector<const Node*> eligible;
            for (const Node& f : components_)
                if (f.filter && !f.service.empty() && std::any_of(adapter.lower_range.begin(), adapter.lower_range.end(),
                                                                  [&](const std::string& m) { return contains_ci(f.media, m); }))
                    eligible.push_back(&f);
            std::stable_sort(eligible.begin(), eligible.end(), [](const Node* a, const Node* b) { return a->filter_rank < b->filter_rank; });
            std::vector<std::pair<const Node*, Device>> stack;
            for (const Node* f : eligible) {
                auto taken = std::find_if(stack.begin(), stack.end(), [&](const auto& s) { return s.first->filter_rank == f->filter_rank; });
                if (taken != stack.end()) {
                    refused_.push_back({f, adapter.instance_id,
                                        f->component_id + " not inserted above " + adapter.name + ": its FilterClass is taken by " +
                                            taken->first->component_id + " (one filter per class)"});
                    continue;
                }
                Device vm = virtual_miniport(*f, adapter, all);
                kept.insert(lower(vm.instance_id));
                stack.emplace_back(f, vm);
            }
            stacks_[lower(adapter.instance_id)] = std::move(stack);
        }
        for (const Device& d : read_devices(reg_))
            if (d.virtual_miniport && !kept.count(lower(d.instance_id))) delete_device(reg_, d);
    }

    Device virtual_miniport(const Node& filter, const Device& adapter, std::vector<Device>& all) {
        for (const Device& d : all) {
            if (!d.virtual_miniport) continue;
            if (inf_iequals(d.filter_component, filter.component_id) && inf_iequals(d.filter_adapter, adapter.instance_id))
                return d;
        }
        std::string base = filter.service + "-" + adapter.name, name = base;
        for (unsigned n = 1; std::any_of(all.begin(), all.end(), [&](const Device& d) { return inf_iequals(d.name, name); }); ++n)
            name = base + "-" + std::to_string(n);
        fs::path root;
        if (root_) {
            root = *root_;
        } else if (auto package = net_package(reg_, filter.filter_device_id)) {
            root = root_of_staged(package->first.staged);
        }
        Device vm = create_device(reg_, root, DeviceSpec{filter.filter_device_id, name, {}, filter.component_id, adapter.instance_id});
        all.push_back(vm);
        return vm;
    }

    // The nodes below an upper that binds `adapter`: its filter stack top-down, then the adapter.
    std::vector<Node> expand(const Node& adapter) const {
        std::vector<Node> out;
        const auto& stack = stacks_.at(lower(adapter.device.instance_id));
        for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
            out.push_back(device_node(reg_, it->second));
            out.push_back(*it->first);
        }
        out.push_back(adapter);
        return out;
    }

    // Every path from `top` down to an adapter (components by install order, then adapters).
    std::vector<std::vector<Node>> paths_from(const Node& top, std::set<std::string>& visiting) {
        std::vector<std::vector<Node>> out;
        if (!visiting.insert(lower(top.component_id)).second) return out;
        for (const Node& c : components_) {
            if (c.filter || inf_iequals(c.component_id, top.component_id) || !ranges_match(top.lower, c.upper)) continue;
            for (auto& below : paths_from(c, visiting)) {
                below.insert(below.begin(), top);
                out.push_back(std::move(below));
            }
        }
        for (const Node& a : adapters_) {
            if (!ranges_match(top.lower, a.upper)) continue;
            std::vector<Node> path{top};
            for (Node& n : expand(a)) path.push_back(std::move(n));
            out.push_back(std::move(path));
        }
        visiting.erase(lower(top.component_id));
        return out;
    }

    void enumerate(const Node& top) {
        std::set<std::string> visiting;
        for (auto& nodes : paths_from(top, visiting)) add(nodes, "");
    }

    // Each inserted filter's own path (filter, the devices below it) and the refused ones.
    void filter_paths(const Node& adapter) {
        std::vector<Node> below = expand(adapter);
        for (std::size_t i = 1; i < below.size(); i += 2) {
            std::vector<Node> nodes(below.begin() + static_cast<std::ptrdiff_t>(i), below.end());
            add(nodes, "");
        }
        for (const auto& r : refused_)
            if (inf_iequals(r.adapter, adapter.device.instance_id)) add({*r.filter, adapter}, r.reason);
    }

    void add(const std::vector<Node>& nodes, const std::string& reason) {
        PathRecord r;
        const Node& top = nodes.front();
        r.service = top.service;
        std::vector<std::string> chain;
        for (std::size_t i = 1; i < nodes.size(); ++i) {
            chain.push_back(nodes[i].bind_name);
            if (nodes[i].is_device) break;
        }
        r.bind = "\\Device\\" + join(chain, "_");
        r.export_name = "\\Device\\" + top.bind_name + "_" + join(chain, "_");
        for (const std::string& c : chain) r.route += (r.route.empty() ? "\"" : " \"") + c + "\"";
        for (const Node& n : nodes) r.path.nodes.push_back(n.id);
        r.path.id = join(r.path.nodes, "->");
        for (std::size_t i = 0; i + 1 < nodes.size(); ++i) {
            const Node& u = nodes[i];
            const Node& l = nodes[i + 1];
            Binding b{u.component_id, u.service, l.id, ""};
            if (l.is_device) b.lower_device_name = "\\Device\\" + l.bind_name;
            else if (!u.is_device) b.lower_device_name = "\\Device\\" + std::string(chain_from(nodes, i + 1));
            r.path.edges.push_back(std::move(b));
        }
        r.path.reason = reason;
        r.path.enabled = reason.empty();
        records_.push_back(std::move(r));
    }

    static std::string chain_from(const std::vector<Node>& nodes, std::size_t start) {
        std::vector<std::string> chain;
        for (std::size_t i = start; i < nodes.size(); ++i) {
            chain.push_back(nodes[i].bind_name);
            if (nodes[i].is_device) break;
        }
        return join(chain, "_");
    }

    void apply_disabled() {
        std::map<std::string, std::size_t> by_id;
        for (std::size_t i = 0; i < records_.size(); ++i) by_id[lower(records_[i].path.id)] = i;
        for (PathRecord& r : records_) {
            if (r.service.empty()) continue;
            auto disabled = reg_.get_value(services_key(r.service) + "\\Linkage\\Disabled", "Route");
            if (disabled && disabled->type() == registry::ValueType::MultiSz && contains_ci(disabled->as_multi_sz(), r.route)) {
                r.user_disabled = true;
                r.path.enabled = false;
            }
        }
        // A path is only as enabled as each path it continues.
        for (PathRecord& r : records_) {
            const auto& nodes = r.path.nodes;
            for (std::size_t i = 1; i + 1 < nodes.size() && r.path.enabled; ++i) {
                std::vector<std::string> rest(nodes.begin() + static_cast<std::ptrdiff_t>(i), nodes.end());
                auto it = by_id.find(lower(join(rest, "->")));
                if (it != by_id.end() && !records_[it->second].path.enabled) r.path.enabled = false;
            }
        }
    }

    void write();

    Registry& reg_;
    std::optional<fs::path> root_;
    std::vector<Node> components_;
    std::vector<Node> adapters_;
    std::map<std::string, std::vector<std::pair<const Node*, Device>>> stacks_;  // by adapter NetCfgInstanceId
    struct Refused {
        const Node* filter;
        std::string adapter;
        std::string reason;
    };
    std::vector<Refused> refused_;
    std::vector<PathRecord> records_;
};

void set_list(Registry& reg, const std::string& key, std::string_view name, const std::vector<std::string>& list) {
    reg.set_value(key, name, Value::multi_sz(list));
}

void Engine::write() {
    // Linkage of every component service.
    std::map<std::string, std::array<std::vector<std::string>, 6>> linkage;  // Bind Export Route, disabled ones
    // Only services that exist get Linkage: a component naming a service its INF does not add
    // (NCF_NO_SERVICE, or a filter before its first virtual miniport) must not conjure one up.
    for (const Node& c : components_)
        if (!c.service.empty() && reg_.key_exists(services_key(c.service))) linkage[lower(c.service)];
    std::map<std::string, std::string> service_case;
    for (const Node& c : components_) service_case[lower(c.service)] = c.service;
    for (const PathRecord& r : records_) {
        if (r.service.empty() || !r.path.reason.empty() || !linkage.count(lower(r.service))) continue;
        auto& l = linkage[lower(r.service)];
        std::size_t base = r.user_disabled ? 3 : 0;
        if (!r.user_disabled && !r.path.enabled) continue;
        l[base].push_back(r.bind);
        l[base + 1].push_back(r.export_name);
        l[base + 2].push_back(r.route);
    }
    for (const auto& [service, lists] : linkage) {
        std::string key = services_key(service_case[service]) + "\\Linkage";
        set_list(reg_, key, "Bind", lists[0]);
        set_list(reg_, key, "Export", lists[1]);
        set_list(reg_, key, "Route", lists[2]);
        set_list(reg_, key + "\\Disabled", "Bind", lists[3]);
        set_list(reg_, key + "\\Disabled", "Export", lists[4]);
        set_list(reg_, key + "\\Disabled", "Route", lists[5]);
    }

    // Per-adapter keys of bound services, UpperBindings for filters, adapters' own Linkage.
    std::map<std::string, std::set<std::string>> bound;  // service -> adapter guids
    std::map<std::string, std::vector<std::string>> upper_bind;  // device guid -> services
    for (const PathRecord& r : records_) {
        if (!r.path.enabled) continue;
        for (const Binding& e : r.path.edges) {
            if (e.lower_device_name.rfind("\\Device\\{", 0) != 0 || e.upper_service.empty()) continue;
            std::string guid = e.lower_device_name.substr(8);
            bound[lower(e.upper_service)].insert(guid);
            auto& ub = upper_bind[lower(guid)];
            if (!contains_ci(ub, e.upper_service)) ub.push_back(e.upper_service);
        }
    }
    for (const auto& [service, lists] : linkage) {
        std::string adapters = services_key(service_case[service]) + "\\Parameters\\Adapters";
        for (const std::string& guid : reg_.subkeys(adapters))
            if (!bound[service].count(guid) && std::none_of(bound[service].begin(), bound[service].end(),
                                                            [&](const std::string& g) { return inf_iequals(g, guid); }))
                reg_.delete_key(adapters + "\\" + guid);
        for (const std::string& guid : bound[service]) reg_.create_key(adapters + "\\" + guid);
    }
    for (const Node& adapter : adapters_) {
        std::string below = adapter.device.instance_id;
        for (const auto& [filter, vm] : stacks_.at(lower(below))) {
            if (bound[lower(filter->service)].count(below))
                reg_.set_value(services_key(filter->service) + "\\Parameters\\Adapters\\" + below, "UpperBindings",
                               Value::sz("\\Device\\" + vm.instance_id));
            below = vm.instance_id;
        }
    }
    for (const Device& d : read_devices(reg_)) {
        std::string key = d.instance_key + "\\Linkage";
        set_list(reg_, key, "Export", {d.device_name});
        set_list(reg_, key, "RootDevice", {d.instance_id});
        set_list(reg_, key, "UpperBind", upper_bind[lower(d.instance_id)]);
    }

    // The paths themselves, for bindings().
    std::string paths = binding_paths_key();
    std::vector<std::string> old = reg_.subkeys(paths);
    for (std::size_t i = 0; i < records_.size(); ++i) {
        char index[24];
        std::snprintf(index, sizeof index, "%04zu", i);
        std::string key = paths + "\\" + index;
        const BindingPath& p = records_[i].path;
        reg_.set_value(key, "Id", Value::sz(p.id));
        reg_.set_value(key, "Nodes", Value::multi_sz(p.nodes));
        reg_.set_value(key, "Enabled", Value::dword(p.enabled ? 1 : 0));
        reg_.set_value(key, "Reason", Value::sz(p.reason));
        reg_.set_value(key, "Route", Value::sz(records_[i].route));
        std::vector<std::string> old_edges = reg_.subkeys(key + "\\Edges");
        for (std::size_t e = 0; e < p.edges.size(); ++e) {
            std::string edge = key + "\\Edges\\" + std::to_string(e);
            reg_.set_value(edge, "UpperComponent", Value::sz(p.edges[e].upper_component));
            reg_.set_value(edge, "UpperService", Value::sz(p.edges[e].upper_service));
            reg_.set_value(edge, "LowerDevice", Value::sz(p.edges[e].lower_device));
            reg_.set_value(edge, "LowerDeviceName", Value::sz(p.edges[e].lower_device_name));
        }
        for (std::size_t e = p.edges.size(); e < old_edges.size(); ++e) reg_.delete_key(key + "\\Edges\\" + std::to_string(e));
    }
    for (std::size_t i = records_.size(); i < old.size(); ++i) reg_.delete_key(paths + "\\" + old[i]);
    if (records_.empty()) reg_.create_key(paths);
}

std::vector<BindingPath> stored_paths(Registry& reg) {
    std::vector<BindingPath> out;
    std::string paths = binding_paths_key();
    for (const std::string& index : reg.subkeys(paths)) {
        std::string key = paths + "\\" + index;
        BindingPath p;
        p.id = read_string(reg, key, "Id").value_or("");
        if (auto nodes = reg.get_value(key, "Nodes"); nodes && nodes->type() == registry::ValueType::MultiSz)
            p.nodes = nodes->as_multi_sz();
        p.enabled = read_dword(reg, key, "Enabled").value_or(1) != 0;
        p.reason = read_string(reg, key, "Reason").value_or("");
        for (const std::string& e : reg.subkeys(key + "\\Edges")) {
            std::string edge = key + "\\Edges\\" + e;
            p.edges.push_back({read_string(reg, edge, "UpperComponent").value_or(""),
                               read_string(reg, edge, "UpperService").value_or(""),
                               read_string(reg, edge, "LowerDevice").value_or(""),
                               read_string(reg, edge, "LowerDeviceName").value_or("")});
        }
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace

namespace detail {

std::vector<BindingPath> refresh_bindings(Registry& reg, const std::optional<fs::path>& root) {
    std::vector<BindingPath> out;
    for (PathRecord& r : Engine(reg, root).run()) out.push_back(std::move(r.path));
    return out;
}

}  // namespace detail

std::vector<BindingPath> update_bindings(registry::Registry& registry, const fs::path& root) {
    return guarded([&] {
        auto tx = registry.transaction();
        std::vector<BindingPath> out = refresh_bindings(registry, root);
        tx.commit();
        return out;
    });
}

std::vector<BindingPath> bindings(registry::Registry& registry) {
    return guarded([&] { return stored_paths(registry); });
}

void set_binding_enabled(registry::Registry& registry, const fs::path& root, std::string_view path_id, bool enabled) {
    guarded([&] {
        auto tx = registry.transaction();
        std::vector<PathRecord> records = Engine(registry, root).run();
        auto it = std::find_if(records.begin(), records.end(), [&](const PathRecord& r) { return inf_iequals(r.path.id, path_id); });
        if (it == records.end()) throw NetcfgError("no binding path " + std::string(path_id) + " (see `strata bindings`)");
        if (!it->path.reason.empty()) throw NetcfgError("binding path " + it->path.id + ": " + it->path.reason);
        if (it->service.empty())
            throw NetcfgError("binding path " + it->path.id + ": its top component has no service to hold Linkage\\Disabled");
        std::string key = services_key(it->service) + "\\Linkage\\Disabled";
        std::vector<std::string> routes;
        if (auto v = registry.get_value(key, "Route"); v && v->type() == registry::ValueType::MultiSz) routes = v->as_multi_sz();
        std::erase_if(routes, [&](const std::string& r) { return r == it->route; });
        if (!enabled) routes.push_back(it->route);
        registry.set_value(key, "Route", Value::multi_sz(routes));
        Engine(registry, root).run();
        tx.commit();
    });
}

}  // namespace strata::netcfg
