"""The queue: kiosk tickets, calling the next one at a window, closing a visit."""
