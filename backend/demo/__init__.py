"""The demo: a generated city (grids, people, past cases), its seeding, and the live simulator."""
