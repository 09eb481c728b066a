//! Checks every connector must pass, whatever its vendor.

use futures::StreamExt;
use vectis_core::{Connector, Error, ListOptions, TicketDraft, Verb};
use wiremock::MockServer;

fn is_unsupported(e: &Error, verb: Verb) -> bool {
    matches!(e, Error::Unsupported { verb: v, .. } if *v == verb)
}

/// Asserts that `capabilities()` agrees with behaviour: every verb marked
/// unsupported returns [`Error::Unsupported`] naming that verb and sends no
/// request to `server`; every verb marked supported does something else
/// (succeeds or fails for a real reason). `alert_id` is an alert the fake
/// knows, for the supported actions.
pub async fn assert_capabilities_agree(
    connector: &dyn Connector,
    server: &MockServer,
    alert_id: &str,
) {
    let caps = connector.capabilities();
    let vendor = connector.vendor();
    let opts = ListOptions::default();

    async fn requests(server: &MockServer) -> usize {
        server
            .received_requests()
            .await
            .map(|r| r.len())
            .unwrap_or(0)
    }

    macro_rules! check_action {
        ($verb:expr, $call:expr) => {{
            let before = requests(server).await;
            let result = $call.await;
            if caps.supports($verb) {
                if let Err(e) = &result {
                    assert!(!is_unsupported(e, $verb), "{vendor}: capabilities say `{}` is supported but it returned Unsupported: {e}", $verb);
                }
            } else {
                match &result {
                    Err(e) => assert!(is_unsupported(e, $verb), "{vendor}: `{}` is not a capability, so it must return Unsupported, not: {e}", $verb),
                    Ok(_) => panic!("{vendor}: `{}` is not a capability but it succeeded", $verb),
                }
                assert_eq!(requests(server).await, before, "{vendor}: unsupported `{}` sent a request", $verb);
            }
        }};
    }

    macro_rules! check_list {
        ($verb:expr, $stream:expr) => {{
            let before = requests(server).await;
            let first = $stream.next().await;
            match (caps.supports($verb), first) {
                (true, Some(Err(e))) => assert!(
                    !is_unsupported(&e, $verb),
                    "{vendor}: `{}` is a capability but returned Unsupported",
                    $verb
                ),
                (true, _) => {}
                (false, Some(Err(e))) => {
                    assert!(
                        is_unsupported(&e, $verb),
                        "{vendor}: `{}` must return Unsupported, not: {e}",
                        $verb
                    );
                    assert_eq!(
                        requests(server).await,
                        before,
                        "{vendor}: unsupported `{}` sent a request",
                        $verb
                    );
                }
                (false, other) => panic!(
                    "{vendor}: `{}` is not a capability but yielded {:?}",
                    $verb,
                    other.map(|r| r.is_ok())
                ),
            }
        }};
    }

    check_list!(Verb::ListCustomers, connector.customers(&opts));
    check_list!(Verb::ListDevices, connector.devices(&opts));
    check_list!(Verb::ListAlerts, connector.alerts(&opts));
    check_list!(Verb::ListTickets, connector.tickets(&opts));
    check_action!(
        Verb::AcknowledgeAlert,
        connector.acknowledge_alert(alert_id)
    );
    check_action!(Verb::ResolveAlert, connector.resolve_alert(alert_id));
    let draft = TicketDraft::new("1", "Vectis conformance check");
    check_action!(Verb::CreateTicket, connector.create_ticket(&draft));
}
