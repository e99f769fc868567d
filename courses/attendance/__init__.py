"""Attendance: who came. Room joins recorded by the video rooms pre-fill it."""
