"""QR self-application: printable posters, the public form, screening and landing as a referral."""
