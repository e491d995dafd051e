"""The overview page each role lands on."""
