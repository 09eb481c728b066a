//! How ConnectWise's refusals read: a missing `clientId`, a refused key,
//! and a security role that lacks a module, each explained.

use crate::info::{CLIENT_ID_HINT, INFO};
use vectis_core::http::{Outcome, Response, Situation, VendorRules};
use vectis_core::{Error, InfoRules};

/// The rules: the table's hints, and how ConnectWise's refusals read.
pub(crate) fn rules() -> InfoRules {
    InfoRules::new(&INFO).classify(classify)
}

/// The modules the API member's role needs for `endpoint`.
fn role_hint(endpoint: &str) -> String {
    if endpoint.contains("/service/tickets") {
        "Service Desk → Service Tickets (Inquire to list, Add to create)".into()
    } else if endpoint.contains("/company/configurations") {
        "Companies → Configurations (Inquire)".into()
    } else if endpoint.contains("/company/companies") {
        "Companies → Company Maintenance (Inquire)".into()
    } else {
        INFO.text("{modules}", &[])
    }
}

/// What ConnectWise said in an error answer, if it said anything.
fn vendor_said(resp: &Response, rules: &InfoRules) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
    rules.error_body(&v).map(|(_, m)| m)
}

/// A missing `clientId`, a refused key and a refused role, each explained.
fn classify(resp: &Response, rules: &InfoRules) -> Option<Outcome> {
    let status = resp.status.as_u16();
    let vendor = INFO.vendor;
    let said = || {
        vendor_said(resp, rules)
            .map(|m| format!(" (ConnectWise said: {m})"))
            .unwrap_or_default()
    };
    match status {
        400 | 401
            if String::from_utf8_lossy(&resp.body)
                .to_ascii_lowercase()
                .contains("clientid") =>
        {
            Some(Outcome::Fail(Error::Auth {
                vendor,
                status: Some(status),
                hint: format!("{}{}", rules.text(CLIENT_ID_HINT), said()),
            }))
        }
        401 => Some(Outcome::Fail(Error::Auth {
            vendor,
            status: Some(401),
            hint: format!("{}{}", rules.hint(Situation::Unauthorized), said()),
        })),
        403 => Some(Outcome::Fail(Error::Forbidden {
            vendor,
            endpoint: resp.endpoint.clone(),
            hint: format!(
                "the API member's security role lacks access{}; in {} give its role {}",
                said(),
                rules.text("{roles}"),
                role_hint(&resp.endpoint)
            ),
        })),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn error_body_surfaces_field_errors() {
        let body = serde_json::json!({"code":"InvalidObject","message":"ticket object is invalid",
            "errors":[{"code":"NotFound","message":"Service Status 17 not found for Service Board 21","resource":"ticket","field":"status/id"}]});
        let (code, msg) = rules().error_body(&body).unwrap();
        assert_eq!(code.as_deref(), Some("InvalidObject"));
        assert_eq!(
            msg,
            "ticket object is invalid (status/id: Service Status 17 not found for Service Board 21)"
        );
        assert_eq!(rules().error_body(&serde_json::json!([1])), None);
    }
}
