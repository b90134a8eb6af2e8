// SPDX-License-Identifier: Apache-2.0
// The `tb info --json` document: a stable, pretty-printed rendering of a GpuInventory.
#include <tb/gpus.h>

#include <algorithm>
#include <cstdio>

#include <boost/json.hpp>

namespace tb {

namespace {

namespace json = boost::json;

json::value strOrNull(const std::string &s)
{
	return s.empty() ? json::value(nullptr) : json::value(s);
}

json::array strings(const std::vector<std::string> &v)
{
	json::array a;
	for (auto &s : v)
		a.emplace_back(s);
	return a;
}

json::value node(const DeviceNode &n)
{
	char mode[8];
	std::snprintf(mode, sizeof mode, "%04o", n.fileMode & 07777);
	json::object o;
	o["path"] = n.path;
	o["type"] = std::string(1, n.type);
	o["major"] = n.major;
	o["minor"] = n.minor;
	o["fileMode"] = n.fileMode ? json::value(mode) : json::value(nullptr);
	return o;
}

json::array nodes(const std::vector<DeviceNode> &v)
{
	json::array a;
	for (auto &n : v)
		a.push_back(node(n));
	return a;
}

json::value gpu(const GpuDevice &g)
{
	json::object o;
	o["vendor"] = g.vendor;
	o["index"] = g.index;
	o["name"] = g.name;
	o["pciBdf"] = strOrNull(g.pciBdf);
	o["pciDeviceId"] = strOrNull(g.pciDeviceId);
	o["uuid"] = strOrNull(g.uuid);
	o["backend"] = strOrNull(g.backend);
	o["arch"] = strOrNull(g.arch);
	o["warpSize"] = g.warpSize > 0 ? json::value(g.warpSize) : json::value(nullptr);
	o["memoryBytes"] = g.memoryBytes > 0 ? json::value(g.memoryBytes) : json::value(nullptr);
	o["driverVersion"] = strOrNull(g.driverVersion);
	o["driverType"] = strOrNull(g.driverType);
	o["numaNode"] = g.numaNode >= 0 ? json::value(g.numaNode) : json::value(nullptr);
	o["nodes"] = nodes(g.nodes);
	json::array parts;
	for (auto &p : g.partitions) {
		json::object po;
		po["id"] = p.id;
		po["profile"] = strOrNull(p.profile);
		po["nodes"] = nodes(p.nodes);
		parts.push_back(std::move(po));
	}
	o["partitions"] = std::move(parts);
	return o;
}

json::value probe(const ProbeRun &run)
{
	json::object o;
	o["name"] = run.probe;
	o["status"] = std::string(probeStatusName(run.status));
	if (run.status == ProbeStatus::Skipped) {
		o["reason"] = run.error.message;
		return o;
	}
	if (run.status == ProbeStatus::Failed) {
		json::object e;
		e["code"] = std::string(errcName(run.error.code));
		e["message"] = run.error.message;
		o["error"] = std::move(e);
		return o;
	}
	const ProbeReport &r = run.report;
	o["vendor"] = r.vendor;
	json::object d;
	d["name"] = strOrNull(r.driver.name);
	d["version"] = strOrNull(r.driver.version);
	d["type"] = strOrNull(r.driver.type);
	o["driver"] = std::move(d);
	o["gpuCount"] = r.gpus.size();
	o["controlNodes"] = nodes(r.controlNodes);
	o["libraries"] = strings(r.libraries);
	o["firmware"] = strings(r.firmware);
	o["binaries"] = strings(r.binaries);
	o["ipcSockets"] = strings(r.ipcSockets);
	o["configFiles"] = strings(r.configFiles);
	json::object facts;
	for (auto &[k, v] : r.facts)
		facts[k] = v;
	o["facts"] = std::move(facts);
	o["warnings"] = strings(r.warnings);
	return o;
}

void pretty(std::string &out, const json::value &v, int depth)
{
	auto indent = [&](int d) { out.append(static_cast<size_t>(d) * 2, ' '); };
	if (v.is_object()) {
		const auto &o = v.get_object();
		if (o.empty()) {
			out += "{}";
			return;
		}
		out += "{\n";
		size_t i = 0;
		for (auto &kv : o) {
			indent(depth + 1);
			out += json::serialize(json::value(kv.key()));
			out += ": ";
			pretty(out, kv.value(), depth + 1);
			out += ++i < o.size() ? ",\n" : "\n";
		}
		indent(depth);
		out += "}";
	} else if (v.is_array()) {
		const auto &a = v.get_array();
		if (a.empty()) {
			out += "[]";
			return;
		}
		out += "[\n";
		for (size_t i = 0; i < a.size(); ++i) {
			indent(depth + 1);
			pretty(out, a[i], depth + 1);
			out += i + 1 < a.size() ? ",\n" : "\n";
		}
		indent(depth);
		out += "]";
	} else {
		out += json::serialize(v);
	}
}

} // namespace

std::string gpuInventoryJson(const GpuInventory &inv)
{
	json::object doc;
	doc["schemaVersion"] = 1;
	json::array gpus;
	for (auto &g : inv.gpus)
		gpus.push_back(gpu(g));
	doc["gpus"] = std::move(gpus);
	json::array probes;
	for (auto &p : inv.probes)
		probes.push_back(probe(p));
	doc["probes"] = std::move(probes);
	json::object wsl;
	wsl["detected"] = inv.wsl2();
	doc["wsl2"] = std::move(wsl);
	json::object summary;
	summary["gpuCount"] = inv.gpus.size();
	summary["libraryCount"] = inv.libraryCount();
	summary["failedProbes"] = static_cast<int64_t>(
		std::count_if(inv.probes.begin(), inv.probes.end(),
			      [](const ProbeRun &p) { return p.status == ProbeStatus::Failed; }));
	doc["summary"] = std::move(summary);
	std::string out;
	pretty(out, doc, 0);
	out += "\n";
	return out;
}

} // namespace tb
