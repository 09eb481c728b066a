//! Generated VSA X tenants: organizations, devices with their assets, and
//! notifications, as VSA X's JSON.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::KaseyaData;
use crate::fake::{Rng, data_now};
use crate::names::{customer_names, device_name, names_or_one};

const PRIORITIES: &[&str] = &["critical", "elevated", "normal", "low"];
const OSES: &[(&str, &str)] = &[
    ("Windows 11 Pro", "windows"),
    ("Windows 10 Enterprise", "windows"),
    ("Windows Server 2022 Standard", "windows"),
    ("Windows Server 2019 Standard", "windows"),
    ("macOS 14.5 Sonoma", "mac"),
    ("Ubuntu 22.04.4 LTS", "linux"),
];
const GROUPS: &[&str] = &["Servers", "Workstations", "Laptops"];

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl KaseyaData {
    /// Realistic, deterministic data: `organizations` organizations named by
    /// [`customer_names`], `devices` devices spread over them (each gets one
    /// before any gets a second), one asset per device (about a third
    /// offline, a few never seen: `LastSeenOnline: ""`), and `notifications`
    /// notifications on those devices, every priority.
    pub fn generate(organizations: usize, devices: usize, notifications: usize, seed: u64) -> Self {
        Self::generate_for(
            &customer_names(organizations, seed),
            devices,
            notifications,
            seed,
        )
    }

    /// Like [`generate`](Self::generate), with organizations named exactly
    /// `names`.
    pub fn generate_for(names: &[String], devices: usize, notifications: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed ^ 0x5653_4158_5F76_3300); // "VSAX_v3"
        let names = names_or_one(names, devices + notifications > 0, seed);
        let now = data_now();
        let organizations: Vec<Value> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mapped = rng.chance(0.3);
                json!({
                    "Id": 101 + i as i64,
                    "Name": name,
                    "HasCustomFields": rng.chance(0.2),
                    "PsaMappingId": if mapped { Value::from(rng.between(10, 900)) } else { Value::Null },
                    "PsaMappingType": if mapped { Value::from("ConnectWise") } else { Value::Null },
                })
            })
            .collect();
        let mut per_org = vec![0usize; organizations.len()];
        let mut out_devices = Vec::with_capacity(devices);
        let mut assets = Vec::with_capacity(devices);
        for d in 0..devices {
            let o = rng.owner_of(d, organizations.len());
            let org = &organizations[o];
            let org_id = org["Id"].as_i64().unwrap_or_default();
            let org_name = org["Name"].as_str().unwrap_or_default().to_string();
            let i = per_org[o];
            per_org[o] += 1;
            let name = device_name(&org_name, i);
            let identifier = rng.guid();
            let (os, kind) = *rng.pick(OSES);
            let group = if i == 0 || os.contains("Server") {
                0
            } else {
                1 + rng.below(2)
            };
            let online = rng.chance(0.65);
            let never_seen = !online && rng.chance(0.05);
            let last_seen = if online {
                now - Duration::seconds(rng.between(0, 300))
            } else {
                now - Duration::seconds(rng.between(3_600, 90 * 86_400))
            };
            let site_id = 1000 + org_id;
            let site_name = format!("{org_name} HQ");
            out_devices.push(json!({
                "Identifier": identifier,
                "Name": name,
                "GroupId": 3000 + org_id * 10 + group as i64,
                "GroupName": GROUPS[group],
                "IsAgentInstalled": true,
                "IsMdmEnrolled": false,
                "SiteId": site_id,
                "SiteName": site_name,
                "OrganizationId": org_id,
                "OrganizationName": org_name,
                "HasCustomFields": false,
                "Description": os,
                "Uptime": if online { format!("Up for {} days", rng.between(0, 40)) } else { format!("Offline since {} days ago", rng.between(1, 90)) },
                "IsOnline": online,
                "ComputerType": kind,
                "InMaintenance": rng.chance(0.03),
                "ExternalIpAddress": format!("203.0.113.{}", rng.between(1, 254)),
                "CriticalNotifications": 0,
                "ElevatedNotifications": 0,
                "NormalNotifications": 0,
                "LowNotifications": 0,
                "ClientVersion": "9.12.3",
            }));
            assets.push(json!({
                "Identifier": identifier,
                "Name": name,
                "GroupName": GROUPS[group],
                "Description": os,
                "Tags": [],
                "Type": kind,
                "ClientVersion": "9.12.3",
                "LastUpdated": iso(now - Duration::seconds(rng.between(0, 86_400))),
                "LastSeenOnline": if never_seen { Value::from("") } else { Value::from(iso(last_seen)) },
                "LastReboot": if rng.chance(0.2) { Value::from("") } else { Value::from(iso(last_seen - Duration::days(rng.between(1, 30)))) },
                "IsOnline": online,
                "SiteId": site_id,
                "IpAddresses": [format!("10.{}.{}.{}", org_id % 250, rng.between(0, 254), rng.between(1, 254))],
                "CpuUsage": rng.between(1, 99),
                "MemoryUsage": rng.between(10, 95),
                "FirewallEnabled": rng.chance(0.9),
                "AntivirusEnabled": "yes",
                "AntivirusUpToDate": if rng.chance(0.85) { "yes" } else { "no" },
            }));
        }
        // Notifications hang off devices: none without one.
        let notifications = if out_devices.is_empty() {
            0
        } else {
            notifications
        };
        let mut out_notifications = Vec::with_capacity(notifications);
        for k in 0..notifications {
            let d = rng.below(out_devices.len());
            let priority = PRIORITIES[k % PRIORITIES.len()];
            let device = &mut out_devices[d];
            let counter = match priority {
                "critical" => "CriticalNotifications",
                "elevated" => "ElevatedNotifications",
                "normal" => "NormalNotifications",
                _ => "LowNotifications",
            };
            device[counter] = Value::from(device[counter].as_i64().unwrap_or(0) + 1);
            let name = device["Name"].as_str().unwrap_or_default().to_string();
            let org = device["OrganizationName"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let message = match k % 5 {
                0 => format!(
                    "The free space on disk drive C: on the computer '{name}' in group '{org} - {org} HQ - Servers' is below 5% ({:.2} GB free of 120.00 GB).",
                    rng.between(100, 599) as f64 / 100.0
                ),
                1 => format!("{name} has been offline for more than 24 hours."),
                2 => format!(
                    "The CPU usage on the computer '{name}' is above 95% for more than 15 minutes."
                ),
                3 => format!("The service 'Spooler' on the computer '{name}' is stopped."),
                _ => format!("Windows updates are pending on the computer '{name}'."),
            };
            let at = now - Duration::seconds(rng.between(60, 30 * 86_400));
            out_notifications.push(json!({
                "Id": 2001 + k as i64,
                "Message": message,
                "DateTime": iso(at),
                "Priority": priority,
                "ComputerIdentifier": device["Identifier"].clone(),
                "Read": rng.chance(0.2),
            }));
        }
        Self {
            organizations,
            devices: out_devices,
            assets,
            notifications: out_notifications,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_data_has_the_shape_tests_rely_on() {
        let names = ["Acme Ltd", "Smith & Sons"].map(String::from);
        let d = KaseyaData::generate_for(&names, 40, 30, 3);
        let counts = (d.organizations.len(), d.devices.len(), d.assets.len());
        assert_eq!((counts, d.notifications.len()), ((2, 40, 40), 30));
        for p in PRIORITIES {
            assert!(d.notifications.iter().any(|n| n["Priority"] == *p), "{p}");
        }
        for n in &d.notifications {
            let dev = n["ComputerIdentifier"].as_str().unwrap();
            assert!(d.organization_of(dev).is_some());
        }
        let g = KaseyaData::generate_for(&names, 40, 30, 3);
        assert_eq!(g.notifications, d.notifications, "deterministic");
        assert!(KaseyaData::generate(0, 0, 0, 1).organizations.is_empty());
    }
}
