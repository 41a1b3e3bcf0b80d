"""Where a receipt leaves: the outbox worker and the MoEngage delivery-tracking client."""
