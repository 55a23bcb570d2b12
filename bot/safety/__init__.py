"""Clinical safety: triage of free text, escalation to clinicians, alert acknowledgement."""
