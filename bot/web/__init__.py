"""The clinicians' web dashboard (`coachbot dashboard`): server-rendered pages over the same
domain functions the Telegram commands call. Nothing here imports telegram."""
