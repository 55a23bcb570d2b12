"""Our own tables hold every piece of clinical state (never PTB's pickle persistence)."""
