//! Generated Datto RMM accounts: sites (the built-in Deleted Devices site
//! last), devices, and alerts with polymorphic `alertContext`s, as Datto's
//! JSON.

use serde_json::{Value, json};

use super::{ACCOUNT_NAME, ACCOUNT_UID, DELETED_DEVICES_UID, DattoData, PLATFORM};
use crate::fake::{Rng, data_now};
use crate::names::{customer_names, device_name, names_or_one};

const PRIORITIES: &[&str] = &["Critical", "High", "Moderate", "Low", "Information"];
const OSES: &[(&str, &str, &str)] = &[
    ("Microsoft Windows 11 Pro 23H2", "Desktop", "Desktop"),
    ("Microsoft Windows 10 Pro 22H2", "Laptop", "Laptop"),
    ("Microsoft Windows Server 2022 Standard", "Server", "Server"),
    (
        "Microsoft Windows Server 2019 Datacenter",
        "Server",
        "Server",
    ),
    ("macOS Sonoma 14.5", "Laptop", "Laptop"),
    ("Ubuntu 22.04.4 LTS", "Server", "Server"),
];

impl DattoData {
    /// Realistic, deterministic data: `sites` sites named by
    /// [`customer_names`] plus the Deleted Devices site, `devices` devices
    /// spread over the real sites (each site gets one before any gets a
    /// second) plus a few deleted ones, and `alerts` alerts on those devices,
    /// every priority, about a third resolved, with several `alertContext`
    /// classes including ones this SDK has never heard of.
    pub fn generate(sites: usize, devices: usize, alerts: usize, seed: u64) -> Self {
        Self::generate_for(&customer_names(sites, seed), devices, alerts, seed)
    }

    /// Like [`generate`](Self::generate), with sites named exactly `names`.
    /// `devices` counts live devices; `devices / 20` deleted ones (at least
    /// one when there are devices) sit in the Deleted Devices site on top.
    pub fn generate_for(names: &[String], devices: usize, alerts: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed ^ 0x4441_5454_4F5F_7632); // "DATTO_v2"
        let names = names_or_one(names, devices + alerts > 0, seed);
        let now_ms = data_now().timestamp_millis();
        let mut sites: Vec<Value> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                json!({
                    "id": 101 + i as i64,
                    "uid": rng.guid(),
                    "accountUid": ACCOUNT_UID,
                    "name": name,
                    "description": if rng.chance(0.5) { Value::from("Head office") } else { Value::Null },
                    "notes": null,
                    "onDemand": rng.chance(0.05),
                    "splashtopAutoInstall": rng.chance(0.7),
                    "proxySettings": null,
                    "devicesStatus": {"numberOfDevices": 0, "numberOfOnlineDevices": 0, "numberOfOfflineDevices": 0},
                    "autotaskCompanyName": null,
                    "autotaskCompanyId": null,
                    "portalUrl": format!("https://{PLATFORM}.rmm.datto.com/site/{}", 101 + i),
                })
            })
            .collect();
        let deleted_site_id = 101 + sites.len() as i64;
        let mut out_devices = Vec::with_capacity(devices + devices / 20 + 1);
        let n_deleted = if devices > 0 {
            (devices / 20).max(1)
        } else {
            0
        };
        for i in 0..devices + n_deleted {
            let deleted = i >= devices;
            let (site_id, site_uid, site_name, ordinal) = if deleted || sites.is_empty() {
                (
                    deleted_site_id,
                    DELETED_DEVICES_UID.to_string(),
                    "Deleted Devices".to_string(),
                    i,
                )
            } else {
                let s = rng.owner_of(i, sites.len());
                (
                    sites[s]["id"].as_i64().unwrap_or_default(),
                    sites[s]["uid"].as_str().unwrap_or_default().to_string(),
                    sites[s]["name"].as_str().unwrap_or_default().to_string(),
                    i / sites.len(),
                )
            };
            let (os, category, kind) = *rng.pick(OSES);
            let id = 90_000 + i as i64;
            let online = !deleted && rng.chance(0.8);
            let last_seen = now_ms - rng.between(0, 30 * 86_400) * 1000;
            out_devices.push(json!({
                "id": id,
                "uid": rng.guid(),
                "siteId": site_id,
                "siteUid": site_uid,
                "siteName": site_name,
                "deviceType": {"category": category, "type": kind},
                "hostname": device_name(&site_name, ordinal),
                "intIpAddress": format!("10.0.{}.{}", rng.between(0, 254), rng.between(1, 254)),
                "operatingSystem": os,
                "lastLoggedInUser": "CORP\\user",
                "domain": "CORP",
                "cagVersion": "4.4.2183.2183",
                "displayVersion": "23H2",
                "extIpAddress": "203.0.113.7",
                "description": null,
                "a64Bit": true,
                "rebootRequired": rng.chance(0.1),
                "online": online,
                "suspended": false,
                "deleted": deleted,
                "lastSeen": last_seen,
                "lastReboot": last_seen - 86_400_000,
                "lastAuditDate": last_seen - 3_600_000,
                "creationDate": last_seen - 400 * 86_400_000,
                "udf": {"udf1": format!("Asset-{:04}", i), "udf2": null},
                "snmpEnabled": false,
                "deviceClass": "device",
                "portalUrl": format!("https://{PLATFORM}.rmm.datto.com/device/{id}"),
                "warrantyDate": "2027-03-31",
                "antivirus": {"antivirusProduct": "Datto AV", "antivirusStatus": "RunningAndUpToDate"},
                "patchManagement": {"patchStatus": "FullyPatched", "patchesApprovedPending": 0, "patchesNotApproved": 3, "patchesInstalled": 57},
                "softwareStatus": "Compliant",
                "webRemoteUrl": format!("https://{PLATFORM}.rmm.datto.com/web-remote/{id}"),
                "networkProbe": false,
                "onboardedViaNetworkMonitor": false,
            }));
        }
        for s in &mut sites {
            let uid = s["uid"].clone();
            let on_site: Vec<&Value> = out_devices.iter().filter(|d| d["siteUid"] == uid).collect();
            let online = on_site.iter().filter(|d| d["online"] == true).count();
            s["devicesStatus"] = json!({
                "numberOfDevices": on_site.len(),
                "numberOfOnlineDevices": online,
                "numberOfOfflineDevices": on_site.len() - online,
            });
        }
        if !sites.is_empty() || n_deleted > 0 {
            sites.push(json!({
                "id": deleted_site_id,
                "uid": DELETED_DEVICES_UID,
                "accountUid": ACCOUNT_UID,
                "name": "Deleted Devices",
                "description": null,
                "notes": null,
                "onDemand": false,
                "splashtopAutoInstall": false,
                "proxySettings": null,
                "devicesStatus": {"numberOfDevices": n_deleted, "numberOfOnlineDevices": 0, "numberOfOfflineDevices": n_deleted},
                "autotaskCompanyName": null,
                "autotaskCompanyId": null,
                "portalUrl": format!("https://{PLATFORM}.rmm.datto.com/site/{deleted_site_id}"),
            }));
        }
        let live: Vec<&Value> = out_devices
            .iter()
            .filter(|d| d["deleted"] != true)
            .collect();
        let mut out_alerts = Vec::with_capacity(alerts);
        for i in 0..alerts {
            let Some(d) = (if live.is_empty() {
                None
            } else {
                Some(live[rng.below(live.len())])
            }) else {
                break;
            };
            let priority = PRIORITIES[i % PRIORITIES.len()];
            let resolved = if alerts >= 2 && i < 2 {
                i == 1
            } else {
                rng.chance(0.33)
            };
            let raised = now_ms - rng.between(60, 20 * 86_400) * 1000;
            let (context, diagnostics) = context(&mut rng, i);
            out_alerts.push(json!({
                "alertUid": rng.guid(),
                "priority": priority,
                "diagnostics": diagnostics,
                "resolved": resolved,
                "resolvedBy": if resolved { Value::from("tech@northwind.example") } else { Value::Null },
                "resolvedOn": if resolved { Value::from(raised + 3_600_000) } else { Value::Null },
                "muted": false,
                "ticketNumber": null,
                "timestamp": raised,
                "alertMonitorInfo": {"sendsEmails": true, "createsTicket": false},
                "alertContext": context,
                "alertSourceInfo": {
                    "deviceUid": d["uid"],
                    "deviceName": d["hostname"],
                    "siteUid": d["siteUid"],
                    "siteName": d["siteName"],
                },
                "responseActions": [],
                "autoresolveMins": null,
            }));
        }
        let online = out_devices.iter().filter(|d| d["online"] == true).count();
        DattoData {
            account: json!({
                "id": 4821,
                "uid": ACCOUNT_UID,
                "name": ACCOUNT_NAME,
                "currency": "USD",
                "descriptor": {"billingEmail": "billing@northwind.example", "deviceLimit": 5000, "timeZone": "Europe/London"},
                "devicesStatus": {
                    "numberOfDevices": out_devices.len(),
                    "numberOfOnlineDevices": online,
                    "numberOfOfflineDevices": out_devices.len() - online,
                    "numberOfOnDemandDevices": 0,
                    "numberOfManagedDevices": out_devices.len(),
                },
            }),
            sites,
            devices: out_devices,
            alerts: out_alerts,
        }
    }
}

fn context(rng: &mut Rng, i: usize) -> (Value, Value) {
    match i % 6 {
        0 => (
            json!({"@class": "online_offline_status_ctx", "status": "OFFLINE"}),
            Value::from("Device has been offline for 15 minutes"),
        ),
        1 => (
            json!({"@class": "resource_usage_ctx", "processName": "sqlservr.exe", "sample": rng.between(85, 99), "type": "CPU"}),
            Value::from("CPU usage above 85% for 10 minutes\nsqlservr.exe"),
        ),
        2 => (
            json!({"@class": "disk_usage_ctx", "diskName": "C:", "totalVolume": 256, "freeSpace": rng.between(1, 9), "unitOfMeasure": "GB"}),
            Value::from("Disk C: has less than 10% free space"),
        ),
        3 => (
            json!({"@class": "perf_resource_usage_ctx", "percentage": 97.5, "metric": "memory"}),
            Value::Null,
        ),
        4 => (
            json!({"@class": "srvc_status_ctx", "serviceName": "Spooler", "status": "STOPPED"}),
            Value::from("Service Print Spooler is stopped"),
        ),
        _ => (
            json!({"@class": "eventlog_ctx", "logName": "System", "code": 7031, "type": "Error", "source": "Service Control Manager"}),
            Value::from("Event 7031 in System"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datto::routes::is_guid;

    #[test]
    fn generated_data_has_the_shape_tests_rely_on() {
        let names = ["Acme Ltd", "Smith & Sons"].map(String::from);
        let d = DattoData::generate_for(&names, 40, 30, 3);
        let live = (d.real_sites().len(), d.live_devices().len());
        assert_eq!(live, (2, 40), "real sites, live devices");
        let all = (d.sites.len(), d.devices.len(), d.alerts.len());
        assert_eq!(all, (3, 42, 30), "with Deleted Devices and its devices");
        assert!(!d.open_alerts().is_empty() && !d.resolved_alerts().is_empty());
        for p in PRIORITIES {
            assert!(d.alerts.iter().any(|a| a["priority"] == *p), "{p}");
        }
        assert!(
            d.real_sites()
                .iter()
                .all(|s| is_guid(s["uid"].as_str().unwrap_or("")))
        );
        assert!(!is_guid(DELETED_DEVICES_UID));
        let g = DattoData::generate_for(&names, 40, 30, 3);
        assert_eq!(g.alerts, d.alerts, "deterministic");
    }
}
