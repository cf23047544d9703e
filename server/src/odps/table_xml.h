// Table and partition metadata as the ODPS REST surface answers it
// (../shared/design/odps-control-plane.md P0-1, P0-3, P1-2, P1-3): the <Table> document with its
// schema JSON in CDATA, where `Reserved` and `tableProperties` are JSON-encoded *strings* (the Java
// SDK refuses objects), and the <Partition> / <Partitions> / <Tables> documents. Times in the JSON
// are epoch seconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deltatunnel/storage/types.h"

namespace deltatunnel::server::odps {

inline constexpr std::string_view kOwner = "ALIYUN$deltatunnel";

// `last_modified_ms`: the time of the table's last commit (its creation when none).
std::string TableXml(const storage::TableInfo& info, int64_t last_modified_ms);
// The schema JSON inside <Table><Schema>, exposed for tests.
std::string TableSchemaJson(const storage::TableInfo& info, int64_t last_modified_ms);

// One partition: its columns (name, value) in schema order and its meta JSON.
std::string PartitionXml(const storage::TableInfo& table, const storage::PartitionInfo& part,
                         int64_t modified_ms);
// A page of partitions, then `next_marker` ("" ends the paging).
std::string PartitionListXml(const storage::TableInfo& table,
                             const std::vector<storage::PartitionInfo>& parts,
                             const std::vector<int64_t>& modified_ms,
                             const std::string& next_marker);
// A page of table names, then `next_marker`.
std::string TableListXml(const std::vector<storage::TableInfo>& tables,
                         const std::string& next_marker);

}  // namespace deltatunnel::server::odps
