#!/usr/bin/python3
"""A tiny GTK window that offers files as a drag source (text/uri-list), as a
file manager does: the real-window test drags from it onto Vigil with the X
pointer (xdotool), so the drop goes through X's XDND protocol and WebKitGTK's
own drop handling, not through a script.

Usage: /usr/bin/python3 drag_source.py FILE... (prints READY once shown,
then "drag-data-get" when the drop target asks for the files)."""
import sys
import gi
gi.require_version("Gtk", "3.0")
from gi.repository import Gtk, Gdk, GLib
from pathlib import Path

uris = [Path(p).resolve().as_uri() for p in sys.argv[1:]]
win = Gtk.Window(title="vigil-drag-source")
win.set_default_size(200, 120)
btn = Gtk.Button(label="drag me")
btn.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
btn.drag_source_add_uri_targets()
def on_get(widget, ctx, data, info, time):
    data.set_uris(uris)
    print("drag-data-get", flush=True)
btn.connect("drag-data-get", on_get)
btn.connect("drag-end", lambda *a: print("drag-end", flush=True))
win.add(btn)
win.connect("destroy", Gtk.main_quit)
win.show_all()
print("READY", flush=True)
Gtk.main()
