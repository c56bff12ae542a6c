/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "bus-peer.h"
#include "bus-util.h"
#include "bus-names.h"
#include "bus.h"
#include "introspect.h"

/*
 * --bus-introspect: sd-bus has no public call that prints a vtable's
 * introspection, so serve the real objects on a socketpair in a thread and
 * ask them, exactly as a client would see them.
 */

static int open_pair(Context *c, sd_bus **ret_server, sd_bus **ret_client) {
        _cleanup_(sd_bus_unrefp) sd_bus *server = NULL, *client = NULL;
        int fd, r;

        r = bus_peer_server_new(&server, &fd);
        if (r < 0)
                return r;
        r = bus_add_objects(c, server);
        if (r >= 0)
                r = sd_bus_new(&client);
        if (r >= 0)
                r = sd_bus_set_fd(client, fd, fd);
        if (r < 0) {
                close(fd);
                return r;
        }
        r = sd_bus_start(client);
        if (r < 0)
                return r;
        *ret_server = g_steal_pointer(&server);
        *ret_client = g_steal_pointer(&client);
        return 0;
}

static char *introspect(sd_bus *client, const char *path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *xml;
        char *result = NULL;

        if (sd_bus_call_method(client, NULL, path, "org.freedesktop.DBus.Introspectable", "Introspect",
                               &error, &reply, "") >= 0 &&
            sd_bus_message_read(reply, "s", &xml) >= 0)
                result = g_strdup(xml);
        else
                fprintf(stderr, "memcryptd: introspecting %s failed: %s\n", path, error.message ?: "bad reply");
        sd_bus_error_free(&error);
        return result;
}

/* sd-bus pads empty elements with whitespace; drop it so the file indents cleanly. */
static void strip_blank_text(xmlNodePtr node) {
        for (xmlNodePtr n = node->children, next; n; n = next) {
                next = n->next;
                if (xmlIsBlankNode(n)) {
                        xmlUnlinkNode(n);
                        xmlFreeNode(n);
                } else
                        strip_blank_text(n);
        }
}

/* Keep only INTERFACE of the introspected node and write it to DIR/INTERFACE.xml. */
static int write_interface(const char *xml, const char *interface, const char *dir) {
        g_autofree char *path = g_strdup_printf("%s/%s.xml", dir, interface);
        xmlDocPtr doc = xmlReadMemory(xml, (int) strlen(xml), NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
        xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
        bool found = false;
        int r = -EINVAL;

        for (xmlNodePtr n = root ? root->children : NULL, next; n; n = next) {
                g_autofree xmlChar *name = xmlGetProp(n, BAD_CAST "name");
                next = n->next;
                if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST "interface") &&
                    xmlStrEqual(name, BAD_CAST interface)) {
                        found = true;
                        continue;
                }
                xmlUnlinkNode(n);
                xmlFreeNode(n);
        }
        if (found) {
                strip_blank_text(root);
                r = xmlSaveFormatFileEnc(path, doc, "UTF-8", 1) < 0 ? -EIO : 0;
        }
        if (r < 0)
                fprintf(stderr, "memcryptd: cannot write %s\n", path);
        xmlFreeDoc(doc);
        return r;
}

int bus_introspect_write(const char *dir) {
        _cleanup_(sd_bus_unrefp) sd_bus *client = NULL;
        sd_bus *server = NULL;
        Context c = {};
        GThread *thread;
        int r;

        r = open_pair(&c, &server, &client);
        if (r < 0) {
                fprintf(stderr, "memcryptd: cannot serve the objects for introspection: %s\n", g_strerror(-r));
                return EXIT_FAILURE;
        }
        thread = g_thread_new("introspect", bus_peer_serve, server);

        g_autofree char *manager = introspect(client, MANAGER_PATH);
        g_autofree char *model_path = model_object_path(MODEL_SEV);
        g_autofree char *model = introspect(client, model_path);
        r = manager && model ? 0 : -EIO;
        if (r >= 0)
                r = write_interface(manager, MANAGER_INTERFACE, dir);
        if (r >= 0)
                r = write_interface(manager, ATTESTATION_INTERFACE, dir);
        if (r >= 0)
                r = write_interface(model, MODEL_INTERFACE, dir);

        client = sd_bus_flush_close_unref(g_steal_pointer(&client));
        g_thread_join(thread);
        sd_bus_unref(server);
        bus_free(c.bus);                        /* bus_add_objects() made it for the vtables' handlers */
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
