"""What people read: page text in Vietnamese and English, figures, labels, number formatting and
the annual report run."""
