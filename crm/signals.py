"""Domain signals: one area says what happened, others react, neither imports the other.

Senders pass the object as sender; receivers run inside the sender's transaction (they add to
db.session and must not commit), so a rejected change rolls back everything it caused.
"""
from blinker import Namespace

_signals = Namespace()

# sender: Visit — a visit was stored (new, not a replay of an offline submission).
visit_recorded = _signals.signal("visit-recorded")
# sender: Application — created or its outcome (granted, declined, drawn) changed.
application_changed = _signals.signal("application-changed")
# sender: Merchant, reason=str — registry data turned revoked, abnormal or dishonest.
merchant_flagged = _signals.signal("merchant-flagged")
