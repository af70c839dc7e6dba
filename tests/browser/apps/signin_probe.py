"""A minimal page for the sign-in harness test: a "Sign in" button (``st.login()`` with the default
provider of the ``[auth]`` secrets) or, once signed in, who the session belongs to and "Sign out"."""

import streamlit as st

st.title("Sign-in probe")
if not st.user.get("is_logged_in"):  # a Mapping: no [auth] section means no key at all
    st.write("Not signed in")
    if st.button("Sign in"):
        st.login()
else:
    st.write(f"Signed in as {st.user.get('email')} ({st.user.get('name')})")
    if st.button("Sign out"):
        st.logout()
