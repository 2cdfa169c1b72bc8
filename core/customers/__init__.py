"""The customer domain: customers with a unique email address and a valid phone number."""
