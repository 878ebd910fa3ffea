"""Programme seals: keys and certificates on disk, PAdES sealing of PDFs, validation with explicit trust roots."""
