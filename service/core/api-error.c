/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "api-error.h"
#include "text.h"

const char *api_error_name(ApiError e) {
        static const char *const names[_API_ERROR_MAX] = {
                [API_OK]                          = "",
                [API_INVALID_ARGUMENT]            = "InvalidArgument",
                [API_UNKNOWN_MODEL]               = "UnknownModel",
                [API_CONFLICT]                    = "Conflict",
                [API_UEFI_REQUIRED]               = "UefiRequired",
                [API_MACHINE_TYPE_REQUIRED]       = "MachineTypeRequired",
                [API_STATELESS_FIRMWARE_REQUIRED] = "StatelessFirmwareRequired",
                [API_LOCKED_MEMORY_REQUIRED]      = "LockedMemoryRequired",
                [API_INCOMPATIBLE_DEVICE]         = "IncompatibleDevice",
                [API_INVALID_DOMAIN_XML]          = "InvalidDomainXml",
                [API_MODEL_UNSUPPORTED]           = "ModelUnsupported",
                [API_NO_SLOTS]                    = "NoSlots",
                [API_HOST_MISCONFIGURED]          = "HostMisconfigured",
                [API_LIBVIRT_UNAVAILABLE]         = "LibvirtUnavailable",
                [API_NO_SUCH_DOMAIN]              = "NoSuchDomain",
                [API_INVALID_DOMAIN_STATE]        = "InvalidDomainState",
        };
        g_return_val_if_fail(e >= 0 && e < _API_ERROR_MAX, "");
        return names[e];
}

ApiError api_fail(char **message, ApiError e, const char *fmt, ...) {
        va_list ap;

        g_assert(message && !*message);
        va_start(ap, fmt);
        /* Messages quote caller input cut to a length: keep them text the bus can carry. */
        *message = text_bus_safe_take(g_strdup_vprintf(fmt, ap));
        va_end(ap);
        return e;
}
