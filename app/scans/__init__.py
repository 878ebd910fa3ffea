"""Paper digitised: scans (PDF, JPEG, PNG) attached to a child's file, encrypted with the child's key."""
