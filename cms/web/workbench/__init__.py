"""The editors' workbench (GraphiQL served by the CMS, with its ready-made documents) and the
landing page."""
