"""The app's pages (layout only). app.py lists them in st.navigation."""
