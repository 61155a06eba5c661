"""Members' pages: the "My organisation" dashboard, joining and managing an organisation."""
