//! The vendors' pages the server answers, built from the page number (or `pageId`, `$skip`), each record written straight into the body.

use super::*;

pub(super) fn not_found() -> Reply {
    Reply::json(404, r#"{"title":"Not Found","status":404}"#.into())
}

/// Customers in an Atera tenant of `devices` agents.
pub fn atera_customers(devices: u64) -> u64 {
    (devices / 20).max(1)
}

/// Open (and as many resolved) alerts in an Atera tenant of `devices`
/// agents.
pub fn atera_alerts(devices: u64) -> u64 {
    devices / 8
}

/// `GET /api/v3/{list}`: Atera's `*DtoPagedResult` over `count` items whose
/// ids start after `offset`, written by `item`. `nextLink` keeps the
/// request's other parameters (`alertStatus`).
pub(super) fn atera_page(
    prefix: &str,
    list: &str,
    q: &str,
    count: u64,
    offset: u64,
    item: fn(&mut String, u64),
) -> Reply {
    let page = query_u64(q, "page").unwrap_or(1).max(1);
    let size = query_u64(q, "itemsInPage")
        .unwrap_or(20)
        .clamp(1, ATERA_MAX_PAGE);
    let total_pages = count.div_ceil(size);
    let first = (page - 1) * size + 1;
    let last = (page * size).min(count);
    let mut body = String::with_capacity(700 * size as usize + 512);
    body.push_str(r#"{"items":["#);
    for id in first..=last {
        if id > first {
            body.push(',');
        }
        item(&mut body, offset + id);
    }
    let fixed: String = q
        .split('&')
        .filter(|kv| {
            let k = kv.split_once('=').map_or(*kv, |(k, _)| k);
            !kv.is_empty() && k != "page" && k != "itemsInPage"
        })
        .map(|kv| format!("{kv}&"))
        .collect();
    let link = |p: u64| format!("\"{prefix}/api/v3/{list}?{fixed}page={p}&itemsInPage={size}\"");
    let next = if page < total_pages {
        link(page + 1)
    } else {
        "\"\"".into()
    };
    let prev = if page > 1 {
        link(page - 1)
    } else {
        "\"\"".into()
    };
    let _ = write!(
        body,
        r#"],"page":{page},"itemsInPage":{size},"totalItemCount":{count},"totalPages":{total_pages},"prevLink":{prev},"nextLink":{next}}}"#
    );
    Reply::json(200, body)
}

/// One Atera `CustomerDto`.
pub(super) fn atera_customer(out: &mut String, id: u64) {
    let _ = write!(
        out,
        concat!(
            r#"{{"CustomerID":{id},"CustomerName":"Customer {id}","CreatedOn":"2023-01-02T03:04:05","#,
            r#""LastModified":"2024-05-06T07:08:09","BusinessNumber":null,"Domain":"customer{id}.example","#,
            r#""Address":"{id} Main Street","City":"Springfield","State":"IL","Country":"United States","#,
            r#""Phone":"+1 555 01{p:02}","Fax":null,"Notes":null,"Logo":null,"Links":null,"#,
            r#""Longitude":null,"Latitude":null,"ZipCodeStr":"62701"}}"#
        ),
        id = id,
        p = id % 100,
    );
}

/// One open Atera `AlertDto`.
pub(super) fn atera_open_alert(out: &mut String, id: u64) {
    atera_alert(out, id, false);
}

/// One resolved (archived) Atera `AlertDto`.
pub(super) fn atera_resolved_alert(out: &mut String, id: u64) {
    atera_alert(out, id, true);
}

pub(super) fn atera_alert(out: &mut String, id: u64, archived: bool) {
    let archived_date = if archived {
        r#""2024-05-07T08:09:10""#
    } else {
        "null"
    };
    let agent = id % 997 + 1;
    let customer = (agent - 1) / 25 + 1;
    let _ = write!(
        out,
        concat!(
            r#"{{"AlertID":{id},"Code":1503,"Source":"Disk Usage","Title":"Disk C: free space below 10%","#,
            r#""Severity":"Warning","Created":"2024-05-06T07:08:09","SnoozedEndDate":null,"#,
            r#""DeviceGuid":"6f1c2a3b-4d5e-4f60-8a7b-{agent:012x}","AgentId":{agent},"#,
            r#""AdditionalInfo":null,"Archived":{archived},"AlertCategoryID":"Disk","ArchivedDate":{archived_date},"#,
            r#""TicketID":null,"AlertMessage":"Free space on C: is {n} GB","DeviceName":"WS-{agent:07}","#,
            r#""CustomerID":{c},"CustomerName":"Customer {c}","FolderID":null,"#,
            r#""PollingCyclesCount":3,"DeviceType":"Agent"}}"#
        ),
        id = id,
        agent = agent,
        c = customer,
        n = id % 9 + 1,
        archived = archived,
        archived_date = archived_date,
    );
}

pub(super) fn atera_agent(out: &mut String, id: u64) {
    let customer = (id - 1) / 25 + 1;
    let _ = write!(
        out,
        concat!(
            r#"{{"MachineID":{id},"AgentID":{id},"DeviceGuid":"6f1c2a3b-4d5e-4f60-8a7b-{id:012x}","#,
            r#""FolderID":null,"FolderName":null,"CustomerID":{c},"CustomerName":"Customer {c}","#,
            r#""AgentName":"WS-{id:07}","SystemName":"WS-{id:07}","MachineName":"WS-{id:07}","#,
            r#""DomainName":"contoso.local","CurrentLoggedUsers":"jdoe","ComputerDescription":null,"#,
            r#""Monitored":true,"AgentVersion":"2.0.5.42","Favorite":false,"ThresholdID":null,"#,
            r#""MonitoredAgentID":{id},"Created":"2023-01-02T03:04:05","Modified":"2024-05-06T07:08:09","#,
            r#""Online":{online},"LastSeen":"2024-05-06T07:08:09","OS":"Windows 11 Pro","#,
            r#""OSType":"Work Station","OSVersion":"10.0.22631","OSBuild":"22631","#,
            r#""IpAddresses":["10.0.{a}.{b}"],"MacAddresses":["00:1A:2B:{a:02X}:{b:02X}:01"],"#,
            r#""Processor":"Intel(R) Core(TM) i5-1145G7","Memory":16384,"Vendor":"Dell Inc.","#,
            r#""VendorSerialNumber":"SN{id:08}","ReportedFromIP":"203.0.113.7"}}"#
        ),
        id = id,
        c = customer,
        online = !id.is_multiple_of(3),
        a = (id / 254) % 255,
        b = id % 254 + 1,
    );
}

/// `GET /api/v2/account/devices`: Datto RMM's `pageDetails` envelope,
/// pages numbered from 0, absolute `nextPageUrl` (null on the last page).
pub(super) fn datto_page(prefix: &str, q: &str, devices: u64) -> Reply {
    let page = query_u64(q, "page").unwrap_or(0);
    let size = query_u64(q, "max")
        .unwrap_or(DATTO_MAX_PAGE)
        .clamp(1, DATTO_MAX_PAGE);
    let first = page.saturating_mul(size).saturating_add(1);
    let last = page.saturating_add(1).saturating_mul(size).min(devices);
    let count = (last + 1).saturating_sub(first);
    let mut body = String::with_capacity(1300 * size as usize + 512);
    let link = |p: u64| format!("\"{prefix}/api/v2/account/devices?max={size}&page={p}\"");
    let next = if last < devices {
        link(page + 1)
    } else {
        "null".into()
    };
    let prev = if page > 0 {
        link(page - 1)
    } else {
        "null".into()
    };
    let _ = write!(
        body,
        r#"{{"pageDetails":{{"count":{count},"totalCount":{devices},"prevPageUrl":{prev},"nextPageUrl":{next}}},"devices":["#
    );
    for id in first..=last {
        if id > first {
            body.push(',');
        }
        datto_device(&mut body, id);
    }
    body.push_str("]}");
    Reply::json(200, body)
}

/// One Datto RMM device as the server serves it (also what `bench store`
/// writes for dlt).
pub fn datto_device(out: &mut String, id: u64) {
    let site = (id - 1) / 25 + 1;
    let seen: u64 = 1_714_979_289_000 - (id % 86_400) * 1000;
    let _ = write!(
        out,
        concat!(
            r#"{{"id":{id},"uid":"6f1c2a3b-4d5e-4f60-8a7b-{id:012x}","siteId":{s},"#,
            r#""siteUid":"0a1b2c3d-4e5f-4a6b-8c7d-{s:012x}","siteName":"Customer {s}","#,
            r#""deviceType":{{"category":"Desktop","type":"Workstation"}},"hostname":"WS-{id:07}","#,
            r#""intIpAddress":"10.0.{a}.{b}","operatingSystem":"Microsoft Windows 11 Pro 23H2","#,
            r#""lastLoggedInUser":"CORP\\jdoe","domain":"CORP","cagVersion":"4.4.2183.2183","#,
            r#""displayVersion":"23H2","extIpAddress":"203.0.113.7","description":null,"a64Bit":true,"#,
            r#""rebootRequired":false,"online":{online},"suspended":false,"deleted":false,"#,
            r#""lastSeen":{seen},"lastReboot":{reboot},"lastAuditDate":{audit},"creationDate":1680000000000,"#,
            r#""udf":{{"udf1":"Asset-{tag:04}","udf2":null}},"snmpEnabled":false,"deviceClass":"device","#,
            r#""portalUrl":"https://merlot.rmm.datto.com/device/{id}","warrantyDate":"2027-03-31","#,
            r#""antivirus":{{"antivirusProduct":"Datto AV","antivirusStatus":"RunningAndUpToDate"}},"#,
            r#""patchManagement":{{"patchStatus":"FullyPatched","patchesApprovedPending":0,"patchesNotApproved":3,"patchesInstalled":57}}}}"#
        ),
        id = id,
        s = site,
        online = !id.is_multiple_of(5),
        seen = seen,
        reboot = seen - 86_400_000,
        audit = seen - 3_600_000,
        tag = id % 10_000,
        a = (id / 254) % 255,
        b = id % 254 + 1,
    );
}

/// `GET /api/v3/devices` or `/api/v3/assets`: VSA X's `Data`/`Meta`
/// envelope, `$top` (at most 100) from `$skip`, `Meta.TotalCount`.
pub(super) fn kaseya_page(q: &str, devices: u64, item: fn(&mut String, u64)) -> Reply {
    let size = query_dollar_u64(q, "top")
        .unwrap_or(KASEYA_MAX_PAGE)
        .clamp(1, KASEYA_MAX_PAGE);
    let skip = query_dollar_u64(q, "skip").unwrap_or(0);
    let first = skip.saturating_add(1);
    let last = skip.saturating_add(size).min(devices);
    let mut body = String::with_capacity(700 * size as usize + 128);
    body.push_str(r#"{"Data":["#);
    for id in first..=last {
        if id > first {
            body.push(',');
        }
        item(&mut body, id);
    }
    let _ = write!(
        body,
        r#"],"Meta":{{"ResponseCode":200,"TotalCount":{devices}}}}}"#
    );
    Reply::json(200, body)
}

pub(super) fn kaseya_device(out: &mut String, id: u64) {
    let org = (id - 1) / 25 + 1;
    let _ = write!(
        out,
        concat!(
            r#"{{"Identifier":"6f1c2a3b-4d5e-4f60-8a7b-{id:012x}","Name":"WS-{id:07}","#,
            r#""GroupId":{g},"GroupName":"Workstations","IsAgentInstalled":true,"IsMdmEnrolled":false,"#,
            r#""SiteId":{s},"SiteName":"Customer {o} HQ","OrganizationId":{o},"OrganizationName":"Customer {o}","#,
            r#""HasCustomFields":false,"Description":"Windows 11 Pro","Uptime":"Up for 3 days","#,
            r#""IsOnline":{online},"ComputerType":"windows","InMaintenance":false,"#,
            r#""ExternalIpAddress":"203.0.113.7","CriticalNotifications":0,"ElevatedNotifications":0,"#,
            r#""NormalNotifications":0,"LowNotifications":0,"ClientVersion":"9.12.3"}}"#
        ),
        id = id,
        o = org,
        g = 3000 + org * 10,
        s = 1000 + org,
        online = !id.is_multiple_of(4),
    );
}

pub(super) fn kaseya_asset(out: &mut String, id: u64) {
    let org = (id - 1) / 25 + 1;
    let _ = write!(
        out,
        concat!(
            r#"{{"Identifier":"6f1c2a3b-4d5e-4f60-8a7b-{id:012x}","Name":"WS-{id:07}","#,
            r#""GroupName":"Workstations","Description":"Microsoft Windows 11 Pro 23H2","Tags":[],"#,
            r#""Type":"windows","ClientVersion":"9.12.3","LastUpdated":"2024-05-06T07:08:09Z","#,
            r#""LastSeenOnline":"2024-05-06T07:08:09Z","LastReboot":"2024-05-01T07:08:09Z","#,
            r#""IsOnline":{online},"SiteId":{s},"IpAddresses":["10.0.{a}.{b}"],"CpuUsage":12,"#,
            r#""MemoryUsage":48,"FirewallEnabled":true,"AntivirusEnabled":"yes","AntivirusUpToDate":"yes"}}"#
        ),
        id = id,
        s = 1000 + org,
        online = !id.is_multiple_of(4),
        a = (id / 254) % 255,
        b = id % 254 + 1,
    );
}

/// `GET /company/configurations` with `pagination-type: forward-only`: a
/// bare JSON array, `Link: <…pageId=…>; rel="next"`, an empty `Link` at
/// the end.
pub(super) fn connectwise_page(prefix: &str, path: &str, q: &str, devices: u64) -> Reply {
    let size = query_u64(q, "pageSize")
        .unwrap_or(25)
        .clamp(1, CONNECTWISE_MAX_PAGE);
    let after = query_u64(q, "pageId").unwrap_or(0);
    let first = after + 1;
    let last = (after + size).min(devices);
    let mut body = String::with_capacity(800 * size as usize + 16);
    body.push('[');
    for id in first..=last {
        if id > first {
            body.push(',');
        }
        connectwise_configuration(&mut body, id);
    }
    body.push(']');
    let rest = path.split_once("/b/").map(|(_, r)| r).unwrap_or(path);
    // `rest` is run/devices/latency/quota/…: the prefix already has the
    // first four.
    let tail: Vec<&str> = rest.split('/').skip(4).collect();
    let link = if last < devices {
        format!(
            "<{prefix}/{}?pageSize={size}&pageId={last}>; rel=\"next\"",
            tail.join("/")
        )
    } else {
        String::new()
    };
    Reply {
        link: Some(link),
        ..Reply::json(200, body)
    }
}

pub(super) fn connectwise_configuration(out: &mut String, id: u64) {
    let company = (id - 1) / 25 + 1;
    let _ = write!(
        out,
        concat!(
            r#"{{"id":{id},"name":"WS-{id:07}","#,
            r#""type":{{"id":3,"name":"Managed Workstation","_info":{{"type_href":"https://na.myconnectwise.net/v4_6_release/apis/3.0/company/configurations/types/3"}}}},"#,
            r#""status":{{"id":2,"name":"Active","_info":null}},"#,
            r#""company":{{"id":{c},"identifier":"Cust{c}","name":"Customer {c}","_info":{{"company_href":"https://na.myconnectwise.net/v4_6_release/apis/3.0/company/companies/{c}"}}}},"#,
            r#""deviceIdentifier":"6f1c2a3b-4d5e-4f60-8a7b-{id:012x}","serialNumber":"PF{id:06X}","#,
            r#""modelNumber":"ThinkPad T14","tagNumber":"Asset-{tag:04}","macAddress":"00:11:22:{a:02x}:{b:02x}:01","#,
            r#""ipAddress":"10.0.{a}.{b}","osType":"Windows 11","osInfo":"Microsoft Windows 11 Pro 23H2","#,
            r#""lastLoginName":"jdoe","activeFlag":true,"billFlag":false,"#,
            r#""warrantyExpirationDate":"2026-01-31T00:00:00Z","questions":[],"#,
            r#""_info":{{"lastUpdated":"2024-03-02T10:11:12Z","updatedBy":"api"}},"customFields":[]}}"#
        ),
        id = id,
        c = company,
        tag = id % 10_000,
        a = (id / 254) % 255,
        b = id % 254 + 1,
    );
}
