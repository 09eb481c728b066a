//! Generated Atera agents: servers, desktops and laptops (some Macs) with
//! realistic hardware, OS, users, disks and batteries.

use chrono::Duration;
use serde_json::{Value, json};

use super::generate::{maybe, secs, ts};
use super::parse_timestamp;
use crate::fake::{Rng, data_now};
use crate::names::device_name;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    DomainController,
    FileServer,
    Workstation,
    Laptop,
}

struct Hardware {
    vendor: &'static str,
    model: &'static str,
    board: &'static str,
    cpu: &'static str,
    cores: i64,
    clock: &'static str,
    memory: &'static [i64],
    bios: &'static str,
}

#[rustfmt::skip]
const SERVERS: &[Hardware] = &[
    Hardware { vendor: "Dell Inc.", model: "PowerEdge R440", board: "Dell Inc. 0XYZ12", cpu: "Intel(R) Xeon(R) Silver 4210 CPU @ 2.20GHz", cores: 10, clock: "2200", memory: &[32768, 65536], bios: "2.12.2" },
    Hardware { vendor: "HPE", model: "ProLiant DL360 Gen10", board: "HPE ProLiant DL360 Gen10", cpu: "Intel(R) Xeon(R) Gold 5218 CPU @ 2.30GHz", cores: 16, clock: "2300", memory: &[65536, 131072], bios: "U32 v2.68" },
    Hardware { vendor: "VMware, Inc.", model: "VMware7,1", board: "Intel Corporation 440BX Desktop Reference Platform", cpu: "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", cores: 4, clock: "2400", memory: &[16384, 24576], bios: "VMW71.00V.21100432.B64.2301110304" },
];

#[rustfmt::skip]
const DESKTOPS: &[Hardware] = &[
    Hardware { vendor: "Dell Inc.", model: "OptiPlex 7090", board: "Dell Inc. 0M7R8D", cpu: "11th Gen Intel(R) Core(TM) i7-11700 @ 2.50GHz", cores: 8, clock: "2496", memory: &[16384, 32768], bios: "1.19.0" },
    Hardware { vendor: "HP", model: "HP EliteDesk 800 G6 Desktop Mini PC", board: "HP 8715", cpu: "Intel(R) Core(TM) i5-10500T CPU @ 2.30GHz", cores: 6, clock: "2304", memory: &[8192, 16384], bios: "S21 Ver. 02.14.01" },
    Hardware { vendor: "LENOVO", model: "ThinkCentre M70q", board: "LENOVO 3139", cpu: "Intel(R) Core(TM) i5-10400T CPU @ 2.00GHz", cores: 6, clock: "1992", memory: &[8192, 16384], bios: "M2WKT4AA" },
];

#[rustfmt::skip]
const LAPTOPS: &[Hardware] = &[
    Hardware { vendor: "LENOVO", model: "ThinkPad T14 Gen 3", board: "LENOVO 21AHCTO1WW", cpu: "12th Gen Intel(R) Core(TM) i7-1260P", cores: 12, clock: "2100", memory: &[16384, 32768], bios: "N3MET18W (1.17 )" },
    Hardware { vendor: "Dell Inc.", model: "Latitude 5430", board: "Dell Inc. 0J1FPP", cpu: "12th Gen Intel(R) Core(TM) i5-1245U", cores: 10, clock: "1600", memory: &[16384], bios: "1.21.0" },
    Hardware { vendor: "HP", model: "HP EliteBook 840 G8 Notebook PC", board: "HP 880D", cpu: "11th Gen Intel(R) Core(TM) i5-1145G7 @ 2.60GHz", cores: 4, clock: "2611", memory: &[8192, 16384], bios: "T37 Ver. 01.16.00" },
];

const FIRST: &[&str] = &["j", "m", "s", "a", "d", "k", "r", "l", "t", "e"];
#[rustfmt::skip]
const LAST: &[&str] = &[
    "smith", "patel", "nguyen", "mueller", "obrien", "garcia", "chen", "kelly", "young",
    "frontdesk",
];

pub(super) fn generate(rng: &mut Rng, customers: &[Value], n: usize) -> Vec<Value> {
    let now = data_now();
    let mut per_customer = vec![0usize; customers.len()];
    let mut id: i64 = 1_000 + rng.between(0, 500);
    let mut out = Vec::with_capacity(n);
    for j in 0..n {
        let ci = if j < customers.len() {
            j
        } else {
            // Skewed: a few big customers, a long tail of small ones.
            let cap = rng.below(customers.len()) + 1;
            rng.below(cap)
        };
        let Some(customer) = customers.get(ci) else {
            break;
        };
        let k = per_customer.get(ci).copied().unwrap_or(0);
        if let Some(c) = per_customer.get_mut(ci) {
            *c += 1;
        }
        id += if rng.chance(0.15) {
            rng.between(2, 9)
        } else {
            1
        };
        let customer_id = customer.get("CustomerID").cloned().unwrap_or(Value::Null);
        let customer_name = customer
            .get("CustomerName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let customer_created = customer
            .get("CreatedOn")
            .and_then(Value::as_str)
            .and_then(parse_timestamp)
            .map(|t| t.and_utc())
            .unwrap_or(now - Duration::days(365));
        let name = device_name(customer_name, k);
        let kind = match k {
            0 => Kind::DomainController,
            1 => Kind::FileServer,
            k if k % 7 == 6 => Kind::Laptop,
            _ => Kind::Workstation,
        };
        let prefix = name.split('-').next().unwrap_or("PC").to_string();
        let mac = kind == Kind::Laptop && rng.chance(0.2);
        let hw = match kind {
            Kind::DomainController | Kind::FileServer => rng.pick(SERVERS),
            Kind::Workstation => rng.pick(DESKTOPS),
            Kind::Laptop => rng.pick(LAPTOPS),
        };
        let (os, os_type, os_version, os_build, os_num, device_type) = match kind {
            Kind::DomainController | Kind::FileServer => {
                let (os, ver, build) = *rng.pick(&[
                    ("Windows Server 2019 Standard", "10.0.17763", "17763"),
                    ("Windows Server 2022 Standard", "10.0.20348", "20348"),
                    ("Windows Server 2016 Standard", "10.0.14393", "14393"),
                ]);
                let t = if kind == Kind::DomainController {
                    "Domain Controller"
                } else {
                    "Server"
                };
                (os, t, ver, build, 10.0, "Server")
            }
            _ if mac => (
                "macOS Sonoma 14.4.1",
                "Work Station",
                "14.4.1",
                "23E224",
                14.4,
                "Laptop",
            ),
            _ => {
                let (os, ver, build) = *rng.pick(&[
                    ("Windows 11 Pro", "10.0.22631", "22631"),
                    ("Windows 11 Pro", "10.0.26100", "26100"),
                    ("Windows 10 Pro", "10.0.19045", "19045"),
                ]);
                let dt = if kind == Kind::Laptop {
                    "Laptop"
                } else {
                    "Workstation"
                };
                (os, "Work Station", ver, build, 10.0, dt)
            }
        };
        let (vendor, model, board, cpu, cores, clock, bios) = if mac {
            (
                "Apple Inc.",
                "MacBookPro18,3",
                "Apple Inc. Mac-XXXX",
                "Apple M1 Pro",
                10,
                "3228",
                "10151.101.3",
            )
        } else {
            (
                hw.vendor, hw.model, hw.board, hw.cpu, hw.cores, hw.clock, hw.bios,
            )
        };
        let memory = *rng.pick(hw.memory);
        let device_guid = rng.guid();
        let machine_id = rng.guid();
        let created = customer_created
            + secs(
                rng,
                3_600,
                (now - customer_created).num_seconds().max(3_601),
            );
        let created = created.min(now - Duration::hours(1));
        let online = rng.chance(0.7);
        let last_seen = if online {
            now - secs(rng, 0, 300)
        } else {
            now - secs(rng, 3_600, 60 * 86_400)
        };
        let modified = created + secs(rng, 0, (now - created).num_seconds().max(1));
        let reboot = now - secs(rng, 3_600, 40 * 86_400);
        let bios_date = now - Duration::days(rng.between(200, 1_500));
        let user = format!("{}.{}", rng.pick(FIRST), rng.pick(LAST));
        let folder = match kind {
            Kind::DomainController | Kind::FileServer => (11, "Servers"),
            Kind::Workstation => (12, "Workstations"),
            Kind::Laptop => (13, "Laptops"),
        };
        let subnet = rng.between(0, 254);
        let disk_total = match kind {
            Kind::DomainController | Kind::FileServer => 476_837.0,
            _ => 243_541.0,
        };
        let disk_free = (disk_total * (0.03 + rng.next_f64() * 0.7)).round();
        let mut disks = vec![json!({
            "Drive": if mac { "/" } else { "C:" },
            "Free": disk_free,
            "Used": disk_total - disk_free,
            "Total": disk_total
        })];
        if kind == Kind::FileServer {
            let total = 3_814_697.0;
            let free = (total * rng.next_f64() * 0.5).round();
            disks.push(json!({"Drive": "D:", "Free": free, "Used": total - free, "Total": total}));
        }
        let battery = if kind == Kind::Laptop {
            let designed = *rng.pick(&[52_000, 57_000, 63_000]);
            let full = designed - rng.between(0, 15_000);
            json!({
                "Id": 1,
                "Name": "Primary",
                "BatteryHealth": ((full as f64 / designed as f64) * 1000.0).round() / 10.0,
                "DesignedCapacity": designed,
                "FullChargeCapacity": full,
                "CycleCount": rng.between(5, 600)
            })
        } else {
            json!({"Id": 0, "Name": null, "BatteryHealth": 0.0, "DesignedCapacity": 0, "FullChargeCapacity": 0, "CycleCount": 0})
        };
        let has_office = !mac && kind != Kind::DomainController && rng.chance(0.7);
        let created_s = ts(rng, created);
        let modified_s = ts(rng, modified);
        let last_seen_s = ts(rng, last_seen);
        let last_seen_v = maybe(rng, 0.97, last_seen_s);
        let reboot_s = ts(rng, reboot);
        let reboot_v = maybe(rng, 0.95, reboot_s);
        let description = *rng.pick(&[
            "Reception PC",
            "Scanner station",
            "Old server - do not patch",
            "CEO laptop",
        ]);
        let threshold = rng.between(1, 6);
        let bios_date_s = format!("{}T00:00:00", bios_date.format("%Y-%m-%d"));
        let serial: String = (0..7)
            .map(|_| {
                *rng.pick(&[
                    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'B', 'C', 'D', 'F', 'G', 'H',
                    'J', 'K', 'L',
                ])
            })
            .collect();
        let logged_on = match (online, kind) {
            (false, _) => Value::Null,
            (true, Kind::DomainController | Kind::FileServer) => {
                if rng.chance(0.5) {
                    Value::from("")
                } else {
                    Value::from(format!("{prefix}\\administrator"))
                }
            }
            (true, _) if mac => Value::from(user.clone()),
            (true, _) => Value::from(format!("{prefix}\\{user}")),
        };
        let in_folder = rng.chance(0.6);
        let mac_address = format!(
            "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            0x00,
            0x1A,
            rng.below(256),
            rng.below(256),
            rng.below(256),
            rng.below(256)
        );
        let v = json!({
            "MachineID": machine_id,
            "AgentID": id,
            "DeviceGuid": device_guid,
            "FolderID": if in_folder { Value::from(folder.0) } else { Value::Null },
            "FolderName": if in_folder { Value::from(folder.1) } else { Value::Null },
            "CustomerID": customer_id,
            "CustomerName": customer_name,
            "AgentName": name,
            "SystemName": name,
            "MachineName": name,
            "DomainName": if mac { Value::Null } else if rng.chance(0.85) { Value::from(format!("{}.local", prefix.to_lowercase())) } else { Value::from("WORKGROUP") },
            "CurrentLoggedUsers": logged_on,
            "ComputerDescription": maybe(rng, 0.1, description),
            "Monitored": !rng.chance(0.05),
            "AgentVersion": format!("2.0.{}.{}", rng.between(1, 9), rng.between(1, 60)),
            "Favorite": rng.chance(0.05),
            "ThresholdID": maybe(rng, 0.8, threshold),
            "MonitoredAgentID": id,
            "Created": created_s,
            "Modified": modified_s,
            "Online": online,
            "LastSeen": last_seen_v,
        });
        // Two halves: one `json!` this big overflows the macro recursion limit.
        let hardware = json!({
            "ReportedFromIP": format!("203.0.113.{}", rng.between(1, 254)),
            "AppViewUrl": format!("https://app.atera.com/Admin#/rmm/device/{device_guid}/agent"),
            "Motherboard": board,
            "Processor": cpu,
            "Memory": memory,
            "Display": if kind == Kind::Workstation || kind == Kind::Laptop { Value::from("Intel(R) UHD Graphics") } else { Value::Null },
            "Sound": if kind == Kind::Workstation || kind == Kind::Laptop { maybe(rng, 0.8, "Realtek High Definition Audio") } else { Value::Null },
            "ProcessorCoresCount": cores,
            "SystemDrive": if mac { "/" } else { "C:" },
            "ProcessorClock": clock,
            "Vendor": vendor,
            "VendorSerialNumber": serial,
            "VendorBrandModel": model,
            "ProductName": model,
            "BiosManufacturer": vendor,
            "BiosVersion": bios,
            "BiosReleaseDate": bios_date_s,
            "MacAddresses": [mac_address],
            "IpAddresses": [format!("10.{}.{}.{}", ci % 250, subnet, k % 250 + 10), format!("fe80::{:x}:{:x}", rng.below(0xffff), rng.below(0xffff))],
            "HardwareDisks": disks,
            "BatteryInfo": battery,
            "OS": os,
            "OSType": os_type,
            "WindowsSerialNumber": if mac { Value::Null } else { Value::from(format!("00330-{:05}-{:05}-AA{:03}", rng.below(100_000), rng.below(100_000), rng.below(1000))) },
            "Office": if has_office { Value::from("Microsoft 365 Apps for business") } else { Value::Null },
            "OfficeSP": Value::Null,
            "OfficeOEM": if has_office { Value::from(false) } else { Value::Null },
            "OfficeSerialNumber": Value::Null,
            "OSNum": os_num,
            "LastRebootTime": reboot_v,
            "OSVersion": os_version,
            "OSBuild": os_build,
            "OfficeFullVersion": if has_office { Value::from("16.0.17328.20184") } else { Value::Null },
            "LastLoginUser": if kind == Kind::DomainController || kind == Kind::FileServer { Value::from("administrator") } else { maybe(rng, 0.9, user) },
            "DeviceType": device_type,
        });
        let mut v = v;
        if let (Value::Object(map), Value::Object(rest)) = (&mut v, hardware) {
            map.extend(rest);
        }
        out.push(v);
    }
    out
}
