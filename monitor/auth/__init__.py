"""Staff authentication and authorisation."""
