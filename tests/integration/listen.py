# SPDX-License-Identifier: LGPL-2.1-or-later
"""A second bus client for the signal tests (python3-dbus + python3-gi, as python3-dbusmock needs).

Subscribes on the system bus ($DBUS_SYSTEM_BUS_ADDRESS) to org.memcrypt1's PropertiesChanged,
CapabilitiesChanged, EncryptedDomainStarted and EncryptedDomainStopped and to NameOwnerChanged of org.memcrypt1, prints "READY" once the matches are
installed (AddMatch is a synchronous call in dbus-python), then one JSON object per signal."""

import json
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib


def plain(v):
    if isinstance(v, (dbus.Boolean,)):
        return bool(v)
    if isinstance(v, (dbus.Byte, dbus.Int16, dbus.Int32, dbus.Int64, dbus.UInt16, dbus.UInt32, dbus.UInt64)):
        return int(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(v)
    if isinstance(v, (dbus.Array, dbus.Struct, list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, (dbus.Dictionary, dict)):
        return {str(k): plain(x) for k, x in v.items()}
    return v


def emit(obj):
    print(json.dumps(obj, sort_keys=True), flush=True)


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()

    def on_props(iface, changed, invalidated, path=None):
        emit({'signal': 'PropertiesChanged', 'path': str(path), 'interface': str(iface),
              'changed': plain(changed), 'invalidated': plain(invalidated)})

    def on_caps(models, path=None):
        emit({'signal': 'CapabilitiesChanged', 'path': str(path), 'models': plain(models)})

    def on_guest(name, uuid, model, member=None):
        emit({'signal': str(member), 'args': [str(name), str(uuid), str(model)]})

    def on_owner(name, old, new):
        emit({'signal': 'NameOwnerChanged', 'name': str(name), 'old': str(old), 'new': str(new)})

    bus.add_signal_receiver(on_props, 'PropertiesChanged', 'org.freedesktop.DBus.Properties',
                            'org.memcrypt1', None, path_keyword='path')
    bus.add_signal_receiver(on_caps, 'CapabilitiesChanged', 'org.memcrypt1.Manager',
                            'org.memcrypt1', '/org/memcrypt1', path_keyword='path')
    for member in ('EncryptedDomainStarted', 'EncryptedDomainStopped'):
        bus.add_signal_receiver(on_guest, member, 'org.memcrypt1.Manager', 'org.memcrypt1', '/org/memcrypt1',
                                member_keyword='member')
    bus.add_signal_receiver(on_owner, 'NameOwnerChanged', 'org.freedesktop.DBus',
                            'org.freedesktop.DBus', '/org/freedesktop/DBus', arg0='org.memcrypt1')
    # A round trip after the AddMatch calls: the bus has them all.
    bus.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus').GetId(
        dbus_interface='org.freedesktop.DBus')
    print('READY', flush=True)
    GLib.MainLoop().run()


if __name__ == '__main__':
    sys.exit(main())
