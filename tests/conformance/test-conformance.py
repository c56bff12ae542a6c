#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Conformance with the peers memcryptd answers for: cases derived from the unit tests of OpenStack Nova,
libvirt and KubeVirt (inputs and expectations only, rewritten here; no peer code or data is copied),
each naming the peer's file and test, run against the real memcryptd on a private bus (the integration
harness: dbus-daemon with our policy, memcryptd on a host snapshot, python3-dbus calls).

Where memcryptd is deliberately stricter than the peer the case says so and why (STRICTER), and where
it allows what the peer refuses, too (LAXER). docs/conformance.md gives the counts per peer."""

import base64
import os
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
import harness  # noqa: E402
from busclient import ERR, Bus  # noqa: E402
from harness import HarnessError, Skip, World, check, dbus_python, eq, tap_main  # noqa: E402

NOVA_HW = 'nova/tests/unit/virt/test_hardware.py'
NOVA_HOST = 'nova/tests/unit/virt/libvirt/test_host.py'
NOVA_DRIVER = 'nova/tests/unit/virt/libvirt/test_driver.py'
LV_XML = 'libvirt tests/qemuxmlconfdata/'
LV_CAPS = 'libvirt tests/domaincapsdata/qemu_9.2.0-q35.x86_64+amdsev.xml'
KV_ADMIT = 'kubevirt pkg/virt-api/webhooks/validating-webhook/admitters/vmi-create-admitter_test.go'
KV_CONV = 'kubevirt pkg/virt-launcher/virtwrap/converter/compute/launch_security_test.go'
KV_LABEL = 'kubevirt pkg/virt-handler/node-labeller/node_labeller_test.go'

TRAIT = {'amd-sev': 'HW_CPU_X86_AMD_SEV', 'amd-sev-es': 'HW_CPU_X86_AMD_SEV_ES', 'amd-sev-snp': 'HW_CPU_X86_AMD_SEV_SNP'}
UEFI = {'hw_firmware_type': 'uefi'}
TRUE_SPELLINGS = ('1', 'true', 'True')
FALSE_SPELLINGS = ('0', 'false', 'False')


def blob(n, fill):
    return base64.b64encode(bytes([fill]) * n).decode()


def placed(model):
    """What ResolveRequest answers for MODEL: the model, one MEM_ENCRYPTION_CONTEXT, the model's trait."""
    return [model, {'MEM_ENCRYPTION_CONTEXT': 1}, [TRAIT[model]]]


NOT_ENCRYPTED = ['', {}, []]


# -- domains (structure of the peers' test documents, written anew) -----------------------------------

def domain(os_xml="<os firmware='efi'><type arch='x86_64' machine='pc-q35-8.2'>hvm</type></os>", devices='',
           extra='', launch=''):
    return ("<domain type='kvm'><name>conformance</name><memory unit='KiB'>219100</memory>"
            "<vcpu placement='static'>1</vcpu>%s%s<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>%s"
            "<memballoon model='none'/></devices>%s</domain>" % (os_xml, extra, devices, launch))


SNP_OS = "<os firmware='efi'><type arch='x86_64' machine='pc-q35-8.2'>hvm</type><loader stateless='yes'/></os>"
LOCKED = '<memoryBacking><locked/></memoryBacking>'
# launch-security-sev-snp.xml: authorKey yes, vcek no, policy 0x30000, all four blobs at their exact sizes
SNP_BLOBS = {'guestVisibleWorkarounds': blob(16, 1), 'idBlock': blob(96, 2), 'idAuth': blob(4096, 3),
             'hostData': blob(32, 4)}
SNP_OWNER = ("<launchSecurity type='sev-snp' authorKey='yes' vcek='no'><policy>0x00030000</policy>%s"
             "</launchSecurity>" % ''.join('<%s>%s</%s>' % (k, v, k) for k, v in SNP_BLOBS.items()))
SEV_ELEMENT = "<launchSecurity type='sev'><policy>0x0033</policy></launchSecurity>"


def c(peer, source, test, kind, **kw):
    kw.update(peer=peer, source=source, test=test, kind=kind)
    return kw


CASES = []

# == OpenStack Nova: request rules (hardware.get_mem_encryption_constraint) =================================
for v in FALSE_SPELLINGS:
    CASES.append(c('nova', NOVA_HW, 'MemEncryptionNotRequiredTestCase.test_require_false_extra_spec', 'resolve',
                   flavor={'hw:mem_encryption': v}, image={}, answer=NOT_ENCRYPTED))
    CASES.append(c('nova', NOVA_HW, 'MemEncryptionNotRequiredTestCase.test_require_false_image_prop', 'resolve',
                   flavor={}, image={'hw_mem_encryption': v}, answer=NOT_ENCRYPTED))
CASES += [
    c('nova', NOVA_HW, 'MemEncryptionNotRequiredTestCase.test_requirement_disabled', 'resolve',
      flavor={}, image={}, answer=NOT_ENCRYPTED),
    c('nova', NOVA_HW, 'MemEncryptionNotRequiredTestCase.test_require_both_false', 'resolve',
      flavor={'hw:mem_encryption': 'False'}, image={'hw_mem_encryption': '0'}, answer=NOT_ENCRYPTED),
    c('nova', NOVA_HW, 'GetMemEncryptionConfigTestCase.test_invalid', 'resolve',
      flavor={'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'encr'}, image=UEFI, error='UnknownModel'),
    c('nova', NOVA_HW, 'GetMemEncryptionConfigTestCase.test_sev', 'resolve',
      flavor={'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'amd-sev'}, image=UEFI, answer=placed('amd-sev')),
    c('nova', NOVA_HW, 'GetMemEncryptionConfigTestCase.test_sev_es', 'resolve',
      flavor={'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'amd-sev-es'}, image=UEFI,
      answer=placed('amd-sev-es')),
    c('nova', NOVA_HW, 'GetMemEncryptionConfigTestCase.test_sev_snp (needs_locked_memory False)', 'resolve',
      flavor={'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'amd-sev-snp', 'hw:locked_memory': 'false'},
      image=dict(UEFI, hw_firmware_stateless='true'), answer=placed('amd-sev-snp')),
    c('nova', NOVA_HW, 'GetMemEncryptionConfigTestCase.test_sev (needs_locked_memory True)', 'resolve',
      flavor={'hw:mem_encryption': 'true', 'hw:locked_memory': 'false'}, image=UEFI, error='LockedMemoryRequired',
      stricter='Nova forces locked memory over an explicit hw:locked_memory=false silently (its own code comment '
               'calls it a conflict); memcryptd refuses the contradiction instead of overriding the user'),
]
for f_val in FALSE_SPELLINGS:
    for i_val in TRUE_SPELLINGS:
        CASES.append(c('nova', NOVA_HW, 'MemEncryptionFlavorImageConflictTestCase.'
                       'test_require_encrypted_memory_support_conflict1', 'resolve',
                       flavor={'hw:mem_encryption': f_val}, image=dict(UEFI, hw_mem_encryption=i_val), error='Conflict'))
CASES.append(c('nova', NOVA_HW, 'MemEncryptionFlavorImageConflictTestCase.test_require_encrypted_memory_support_conflict2',
               'resolve', flavor={'hw:mem_encryption': 'True'}, image=dict(UEFI, hw_mem_encryption='false'),
               error='Conflict'))
for props in ({}, {'hw_machine_type': 'q35'}, {'hw_firmware_type': 'bios'},
              {'hw_machine_type': 'q35', 'hw_firmware_type': 'bios'}):
    CASES.append(c('nova', NOVA_HW, 'MemEncryptionRequestedWithoutUEFITestCase.'
                   'test_flavor_requires_encrypted_memory_support_no_uefi', 'resolve',
                   flavor={'hw:mem_encryption': 'true'}, image=props, error='UefiRequired'))
CASES += [
    c('nova', NOVA_HW, 'MemEncryptionRequestedWithoutUEFITestCase.test_image_requires_encrypted_memory_support_no_uefi',
      'resolve', flavor={}, image={'hw_mem_encryption': 'True', 'hw_firmware_type': 'bios'}, error='UefiRequired'),
    c('nova', NOVA_HW, 'MemEncryptionRequestedWithInvalidMachineTypeTestCase.'
      'test_flavor_requires_encrypted_memory_support_pc', 'resolve',
      flavor={'hw:mem_encryption': '1'}, image=dict(UEFI, hw_machine_type='pc'), error='MachineTypeRequired'),
    c('nova', NOVA_HW, 'MemEncryptionRequestedWithInvalidMachineTypeTestCase.'
      'test_image_requires_encrypted_memory_support_pc', 'resolve',
      flavor={}, image=dict(UEFI, hw_machine_type='pc', hw_mem_encryption='true'), error='MachineTypeRequired'),
    c('nova', NOVA_HW, 'MemEncryptionRequestedWithoutStatelessFirmware.test_encrypted_memory_support_without_stateless',
      'resolve', flavor={}, image=dict(UEFI, hw_machine_type='q35', hw_mem_encryption='True',
                                       hw_mem_encryption_model='amd-sev-snp'), error='StatelessFirmwareRequired'),
    c('nova', NOVA_HW, 'MemEncryptionRequestedWithInvalidMachineTypeTestCase + WithoutStatelessFirmware '
      '(check_constraints order: q35 before stateless firmware)', 'resolve',
      flavor={'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'amd-sev-snp'},
      image=dict(UEFI, hw_machine_type='pc'), error='MachineTypeRequired'),
    c('nova', NOVA_HW, 'MemEncryptionRequiredTestCase.test_encrypted_memory_support_flavor_for_volume', 'resolve',
      flavor={'hw:mem_encryption': 'true'}, image={}, error='UefiRequired',
      note='Nova raises FlavorImageConflict for the missing hw_firmware_type; memcryptd names it UefiRequired'),
    c('nova', NOVA_HW, 'MemEncryptionRequiredTestCase.test_encrypted_memory_support_no_id_for_volume', 'resolve',
      flavor={'hw:mem_encryption': 'true'}, image={'hw_mem_encryption': 'true', 'hw_firmware_type': 'uefi'},
      answer=placed('amd-sev')),
    c('nova', NOVA_HW, 'MemEncryptionFlavorImageConflictTestCase (FlexibleBooleanField note)', 'resolve',
      flavor={}, image=dict(UEFI, hw_mem_encryption='maybe'), error='InvalidArgument',
      stricter='Nova reads an image boolean it cannot parse as false and boots unencrypted; memcryptd refuses it'),
    c('nova', NOVA_HW, 'MemEncryptionNotRequiredTestCase (a model key alone)', 'resolve',
      flavor={'hw:mem_encryption_model': 'amd-sev'}, image=UEFI, error='InvalidArgument',
      stricter='Nova silently ignores a model without hw:mem_encryption; memcryptd says the request is incomplete'),
]
for spelling in TRUE_SPELLINGS:
    for mtype in (None, 'q35', 'pc-q35-2.1'):
        image = dict(UEFI, **({'hw_machine_type': mtype} if mtype else {}))
        CASES.append(c('nova', NOVA_HW, 'MemEncryptionRequiredTestCase.test_require_encrypted_memory_support_extra_spec',
                       'resolve', flavor={'hw:mem_encryption': spelling}, image=image, answer=placed('amd-sev')))
CASES += [
    c('nova', NOVA_HW, 'MemEncryptionRequiredTestCase.test_require_encrypted_memory_support_image_prop', 'resolve',
      flavor={}, image=dict(UEFI, hw_mem_encryption='True'), answer=placed('amd-sev')),
    c('nova', NOVA_HW, 'MemEncryptionRequiredTestCase.test_require_encrypted_memory_support_both_required', 'resolve',
      flavor={'hw:mem_encryption': '1'}, image=dict(UEFI, hw_mem_encryption='true'), answer=placed('amd-sev')),
]

# == OpenStack Nova: host detection (libvirt/host.py) and placement (driver.update_provider_tree) ==========
CASES += [
    c('nova', NOVA_HOST, 'TestLibvirtSEVSupported (sev=Y, <sev supported=yes>)', 'model', host='milan-snp-off',
      model='amd-sev', usable=True, total=222),
    c('nova', NOVA_HOST, 'TestLibvirtSEVESSupported (sev_es=Y, sev_snp=N)', 'model', host='milan-snp-off',
      model='amd-sev-es', usable=True, total=31),
    c('nova', NOVA_HOST, 'TestLibvirtSEVESUnsupported (SEV-ES ignored because SEV-SNP is detected, bug #2157891)',
      'model', host='milan-snp', model='amd-sev-es', usable=False, reason='es-blocked-by-snp', total=0),
    c('nova', NOVA_HOST, 'TestLibvirtSEVSNPSupported (sev_snp=Y, sev-snp in the sectype enum)', 'model',
      host='milan-snp', model='amd-sev-snp', usable=True, total=31),
    c('nova', NOVA_HOST, 'TestLibvirtSEVSNPUnsupported.test_kernel_parameter (sev_snp N)', 'model',
      host='milan-snp-param-off', model='amd-sev-snp', usable=False, reason='kernel-sev-snp-disabled'),
    c('nova', NOVA_HOST, 'TestLibvirtSEVUnsupported.test_kernel_parameter (sev N)', 'model', host='milan-snp/sev=N',
      model='amd-sev', usable=False, reason='kernel-sev-disabled'),
    c('nova', NOVA_HOST, 'TestLibvirtSEVESUnsupported.test_unsupported_without_sev', 'model', host='milan-snp/sev=N',
      model='amd-sev-es', usable=False, reason='kernel-sev-disabled'),
    c('nova', NOVA_HOST, 'TestLibvirtSEVSNPUnsupported.test_unsupported_without_sev', 'model', host='milan-snp/sev=N',
      model='amd-sev-snp', usable=False, reason='kernel-sev-disabled'),
    c('nova', NOVA_DRIVER, 'test_update_provider_tree_with_memory_encryption_sev', 'model', host='milan-snp-off',
      model='amd-sev', usable=True, provider='milan-snp-off_amd_sev', total=222),
    c('nova', NOVA_DRIVER, 'test_update_provider_tree_with_memory_encryption_sev_es', 'model', host='milan-snp-off',
      model='amd-sev-es', usable=True, provider='milan-snp-off_amd_sev_es', total=31),
    c('nova', NOVA_DRIVER, 'test_update_provider_tree_with_memory_encryption_sev_snp (SNP = maxESGuests)', 'model',
      host='milan-snp', model='amd-sev-snp', usable=True, provider='milan-snp_amd_sev_snp', total=31),
    c('nova', NOVA_DRIVER, 'test_update_provider_tree_with_memory_encryption_sev_snp (no ES child with SNP on)',
      'model', host='milan-snp', model='amd-sev-es', usable=False, total=0),
    c('nova', NOVA_DRIVER, 'test_get_guest_config_sev (amd-sev, 0x0033)', 'generate', host='milan-snp-off',
      model='amd-sev', xpath={'.': ('type', 'sev'), 'policy': '0x0033'}),
    c('nova', NOVA_DRIVER, 'test_get_guest_config_sev (amd-sev-es, 0x0037)', 'generate', host='milan-snp-off',
      model='amd-sev-es', xpath={'.': ('type', 'sev'), 'policy': '0x0037'}),
    c('nova', NOVA_DRIVER, 'test_get_guest_config_sev_snp', 'generate', host='milan-snp', model='amd-sev-snp',
      xpath={'.': [('type', 'sev-snp'), ('authorKey', 'no'), ('vcek', 'yes'), ('kernelHashes', 'no')],
             'policy': '0x00030000'}),
    c('nova', NOVA_DRIVER, 'test_get_guest_config_sev_snp_direct_kernel_boot', 'configure', host='milan-snp',
      model='amd-sev-snp', doc=domain(extra='', os_xml="<os><type arch='x86_64' machine='q35'>hvm</type>"
                                                       "<kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd</initrd>"
                                                       "<cmdline>console=ttyS0</cmdline></os>"),
      xpath={'launchSecurity': ('kernelHashes', 'yes')}),
    c('nova', NOVA_DRIVER, 'test_get_guest_config_sev (memoryBacking locked, no vmcoreinfo: bug #2117170)',
      'configure', host='milan-snp-off', model='amd-sev',
      doc=domain(extra='<features><acpi/><vmcoreinfo/></features>'),
      present=['memoryBacking/locked'], absent=['features/vmcoreinfo'], last='launchSecurity'),
    c('nova', NOVA_DRIVER, 'test_get_guest_config_sev_snp (no locked memory for SNP)', 'configure', host='milan-snp',
      model='amd-sev-snp', doc=domain(), absent=['memoryBacking/locked'], present=['os/loader[@stateless="yes"]']),
    c('nova', NOVA_DRIVER, 'test_get_mem_encryption_config_host_extra_spec_pc', 'configure', host='milan-snp-off',
      model='amd-sev', doc=domain(os_xml="<os><type arch='x86_64' machine='pc-i440fx-8.2'>hvm</type></os>"),
      error='MachineTypeRequired'),
]

# == libvirt: qemuxmlconfdata launch-security inputs, domain capabilities ==================================
CASES += [
    c('libvirt', LV_XML + 'launch-security-sev.xml', 'cbitpos 47 on a host whose C-bit is 51', 'validate',
      host='milan-snp-off', doc=domain(extra=LOCKED, launch="<launchSecurity type='sev'><cbitpos>47</cbitpos>"
                                                          "<reducedPhysBits>1</reducedPhysBits><policy>0x0033</policy>"
                                                          "</launchSecurity>"),
      findings={'launch-security-phys-bits': 'error'}),
    c('libvirt', LV_XML + 'launch-security-sev.xml', "machine 'pc'", 'validate', host='milan-snp-off',
      doc=domain(os_xml="<os firmware='efi'><type arch='x86_64' machine='pc'>hvm</type></os>", extra=LOCKED,
                 launch=SEV_ELEMENT), findings={'machine-type': 'error'},
      stricter='libvirt defines and starts SEV on i440fx; memcryptd requires q35 (virtio 1.x, no IDE), as Nova does'),
    c('libvirt', LV_XML + 'launch-security-sev.xml', 'dhCert and session that are not base64 of a blob', 'validate',
      host='milan-snp-off', doc=domain(extra=LOCKED, launch="<launchSecurity type='sev'><policy>0x0033</policy>"
                                                          "<session>NOTBASE64!</session></launchSecurity>"),
      findings={'attestation-blob': 'error'},
      stricter='libvirt passes the strings to QEMU verbatim; a blob in the wrong encoding fails LAUNCH_START with '
               "fw_error=4 'Buffer too small' only when the guest starts"),
    c('libvirt', LV_XML + 'launch-security-sev-snp.xml', 'owner inputs survive ConfigureDomain', 'configure',
      host='milan-snp', model='amd-sev-snp', doc=domain(os_xml=SNP_OS, launch=SNP_OWNER),
      xpath=dict({'launchSecurity': [('authorKey', 'yes'), ('vcek', 'no')]},
                 **{'launchSecurity/' + k: v for k, v in SNP_BLOBS.items()})),
    c('libvirt', LV_XML + 'launch-security-sev-snp.xml', 'the four blobs at their exact sizes validate', 'validate',
      host='milan-snp', doc=domain(os_xml=SNP_OS, launch=SNP_OWNER), findings={'attestation-blob': None}),
    c('libvirt', LV_XML + 'launch-security-sev-snp.xml', 'hostData of 3 bytes', 'validate', host='milan-snp',
      doc=domain(os_xml=SNP_OS, launch=SNP_OWNER.replace(SNP_BLOBS['hostData'], 'AAEC')),
      findings={'attestation-blob': 'error'}),
    c('libvirt', LV_XML + 'launch-security-sev-direct.xml', "kernelHashes='yes' with a direct kernel boot", 'validate',
      host='milan-snp-off', doc=domain(os_xml="<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>"
                                              "<kernel>/vmlinuz</kernel><initrd>/initrd</initrd></os>", extra=LOCKED,
                                       launch="<launchSecurity type='sev' kernelHashes='yes'><policy>0x0033</policy>"
                                              "</launchSecurity>"), findings={'kernel-hashes': None}),
    c('libvirt', LV_XML + 'launch-security-sev-direct.xml', 'a direct kernel boot without kernelHashes', 'validate',
      host='milan-snp-off', doc=domain(os_xml="<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>"
                                              "<kernel>/vmlinuz</kernel></os>", extra=LOCKED, launch=SEV_ELEMENT),
      findings={'kernel-hashes': 'warning'}),
    c('libvirt', 'libvirt src/conf/domain_conf.c (failed to get launch security policy)', '<launchSecurity> without '
      '<policy>', 'validate', host='milan-snp-off', doc=domain(extra=LOCKED, launch="<launchSecurity type='sev'/>"),
      findings={'policy': 'error'}),
    c('libvirt', LV_CAPS, 'sectype enum sev, sev-snp: SEV-SNP offered', 'model', host='milan-snp',
      model='amd-sev-snp', usable=True),
    c('libvirt', LV_CAPS, 'maxESGuests is the SEV-ES/SNP pool', 'model', host='milan-snp-off', model='amd-sev-es',
      usable=True, total=31),
    c('libvirt', 'libvirt tests/domaincapsdata/qemu_6.0.0-q35.x86_64.xml', 'no <launchSecurity> (libvirt < 10.5)',
      'model', host='milan-old-libvirt', model='amd-sev-snp', usable=False, reason='libvirt-snp-unsupported'),
    c('libvirt', 'libvirt src/qemu/qemu_capabilities.c (query-sev-capabilities fails: <sev supported=no>)',
      'SEV off in the BIOS', 'generate', host='milan-bios-off', model='amd-sev', error='ModelUnsupported'),
    c('libvirt', LV_XML + 'launch-security-sev.xml', 'cbitpos and reducedPhysBits of this host', 'validate',
      host='milan-snp-off', doc=domain(extra=LOCKED, launch="<launchSecurity type='sev'><cbitpos>51</cbitpos>"
                                                          "<reducedPhysBits>1</reducedPhysBits><policy>0x0033</policy>"
                                                          "</launchSecurity>"),
      findings={'launch-security-phys-bits': None}),
]

# == KubeVirt: converter, admission webhook, node labeller ================================================
CASES += [
    c('kubevirt', KV_CONV, 'should configure LaunchSecurity when specified in the VMI on amd64 (WithSEV(true,true): '
      'policy 0x5)', 'generate', host='milan-snp-off', model='amd-sev-es', options={'policy': ['t', 5]},
      xpath={'.': ('type', 'sev'), 'policy': '0x0005'}),
    c('kubevirt', KV_CONV, 'should configure LaunchSecurity (SNP policy 0x30000)', 'generate', host='milan-snp',
      model='amd-sev-snp', xpath={'policy': '0x00030000'}),
    c('kubevirt', KV_ADMIT, 'with AMD SEV LaunchSecurity: should reject when UEFI is not configured', 'validate',
      host='milan-snp-off', doc=domain(os_xml="<os><type arch='x86_64' machine='q35'>hvm</type></os>", extra=LOCKED,
                                       launch=SEV_ELEMENT), findings={'uefi': 'error'}),
    c('kubevirt', KV_ADMIT, 'with AMD SEV-SNP LaunchSecurity: should reject when SecureBoot is enabled', 'validate',
      host='milan-snp', doc=domain(os_xml="<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>"
                                          "<firmware><feature enabled='yes' name='secure-boot'/></firmware>"
                                          "<loader stateless='yes'/></os>",
                                   launch="<launchSecurity type='sev-snp'><policy>0x00030000</policy></launchSecurity>"),
      findings={'firmware-secure-boot': 'error'}),
    c('kubevirt', KV_ADMIT, 'with AMD SEV LaunchSecurity: should reject when SecureBoot is enabled', 'validate',
      host='milan-snp-off', doc=domain(os_xml="<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>"
                                              "<firmware><feature enabled='yes' name='secure-boot'/></firmware></os>",
                                       extra=LOCKED, launch=SEV_ELEMENT), findings={'firmware-secure-boot': None},
      laxer="KubeVirt refuses SEV with SecureBoot everywhere; memcryptd allows it where a firmware descriptor "
            "offers both 'secure-boot' and 'amd-sev' (Debian's 50-edk2-x86_64-secure.json), so libvirt can start it"),
    c('kubevirt', KV_ADMIT, 'with AMD SEV LaunchSecurity: should reject when there are bootable NICs', 'validate',
      host='milan-snp-off', doc=domain(extra=LOCKED, launch=SEV_ELEMENT,
                                       devices="<interface type='network'><source network='default'/>"
                                               "<model type='virtio'/><driver iommu='on'/></interface>"),
      findings={'virtio-nic-rom': 'warning'},
      note='KubeVirt refuses the VMI; memcryptd warns and ConfigureDomain adds <rom enabled=no/>'),
    c('kubevirt', KV_ADMIT, 'with AMD SEV-SNP LaunchSecurity: should reject when persistent EFI variables are '
      'enabled', 'validate', host='milan-snp',
      doc=domain(os_xml="<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type><loader stateless='yes'/>"
                        "<nvram>/var/lib/libvirt/qemu/nvram/x_VARS.fd</nvram></os>",
                 launch="<launchSecurity type='sev-snp'><policy>0x00030000</policy></launchSecurity>"),
      findings={'nvram': 'error'}),
    c('kubevirt', KV_ADMIT, 'with AMD SEV-SNP LaunchSecurity: should reject when both SEV and SNP are configured',
      'validate', host='milan-snp',
      doc=domain(os_xml=SNP_OS, launch="<launchSecurity type='sev-snp'><policy>0x00030000</policy></launchSecurity>"
                                       + SEV_ELEMENT), findings={'launch-security-type': 'error'}),
    c('kubevirt', KV_ADMIT, 'with AMD SEV-SNP LaunchSecurity: should accept when persistent EFI variables are '
      'disabled', 'validate', host='milan-snp', doc=domain(os_xml=SNP_OS, launch="<launchSecurity type='sev-snp'>"
                                                                                 "<policy>0x00030000</policy>"
                                                                                 "</launchSecurity>"),
      findings={'nvram': None, 'firmware-stateless': None}),
    c('kubevirt', KV_LABEL, 'should add SEV label', 'model', host='milan-snp-off', model='amd-sev', usable=True),
    c('kubevirt', KV_LABEL, 'should add SEVES label (maxESGuests > 0)', 'model', host='milan-snp-off',
      model='amd-sev-es', usable=True),
    c('kubevirt', KV_LABEL, 'should add SEVES label (maxESGuests > 0) while SEV-SNP is on', 'model', host='milan-snp',
      model='amd-sev-es', usable=False, reason='es-blocked-by-snp',
      stricter='KubeVirt labels kubevirt.io/sev-es whenever maxESGuests > 0 (kubevirt/kubevirt#17118); with SEV-SNP '
               'initialised the firmware refuses SEV-ES launches or runs them beside SNP unsafely (CVE-2025-48514), '
               'so memcryptd withholds SEV-ES'),
    c('kubevirt', KV_LABEL, 'should add SEV-SNP label', 'model', host='milan-snp', model='amd-sev-snp', usable=True),
    c('kubevirt', KV_LABEL, 'should not add SEV-SNP label when SNP is not supported', 'model',
      host='milan-snp-param-off', model='amd-sev-snp', usable=False),
    c('kubevirt', KV_LABEL, 'should add SEV label (a model without encryption enabled: sev=N)', 'model',
      host='milan-snp/sev=N', model='amd-sev-es', usable=False, reason='kernel-sev-disabled',
      stricter='the labeller reads libvirt only; with kvm_amd.sev=N the kernel refuses every SEV command, so '
               'memcryptd offers no model at all'),
]


# -- running the cases -------------------------------------------------------------------------------------

def xml_checks(label, root, xpath):
    for path, want in xpath.items():
        node = root if path == '.' else root.find(path)
        check(node is not None, '%s: no %s in %s' % (label, path, ET.tostring(root, encoding='unicode')[:2000]))
        for item in (want if isinstance(want, list) else [want]):
            if isinstance(item, tuple):
                eq(node.get(item[0]), item[1], '%s: %s/@%s' % (label, path, item[0]))
            else:
                eq((node.text or '').strip(), item, '%s: %s text' % (label, path))


def run_case(bus, case):
    label = '%s %s: %s' % (case['source'], case['test'], case['kind'])
    kind = case['kind']
    if kind == 'resolve':
        r = bus.call('ResolveRequest', 'a{ss}a{ss}', case['flavor'], case['image'])
    elif kind == 'generate':
        r = bus.call('GenerateLaunchSecurity', 'sa{sv}', case['model'], case.get('options', {}))
    elif kind == 'configure':
        r = bus.call('ConfigureDomain', 'ssa{sv}', case['doc'], case['model'], case.get('options', {}))
    elif kind == 'validate':
        r = bus.call('ValidateDomain', 'sa{sv}', case['doc'], case.get('options', {}))
    elif kind == 'model':
        props = bus.model_props(case['model'])
        eq(props['Usable'], case['usable'], label + ': Usable')
        codes = [x[0] for x in props['Reasons']]
        if 'reason' in case:
            check(case['reason'] in codes, '%s: reason %s not in %s' % (label, case['reason'], codes))
        if 'total' in case:
            eq(props['SlotsTotal'], case['total'], label + ': SlotsTotal')
        if 'provider' in case:
            eq(props['ResourceProvider'], case['provider'], label + ': ResourceProvider')
        eq(props['Trait'], TRAIT[case['model']], label + ': Trait')
        check(props['SlotsUsed'] <= props['SlotsTotal'], '%s: more slots used than total: %r' % (label, props))
        return
    else:
        raise HarnessError('unknown kind ' + kind)
    if 'error' in case:
        check('error' in r, '%s: succeeded, want %s: %s' % (label, case['error'], str(r.get('ok'))[:1500]))
        eq(r['error'], ERR + case['error'], label + ': error (%s)' % r.get('message'))
        return
    check('ok' in r, '%s: %s: %s' % (label, r.get('error'), r.get('message')))
    out = r['ok']
    if kind == 'resolve':
        eq(out, case['answer'], label)
    elif kind in ('generate', 'configure'):
        root = ET.fromstring(out[0])       # <launchSecurity> (generate) or <domain> (configure)
        if 'xpath' in case:
            xml_checks(label, root, case['xpath'])
        for p in case.get('present', []):
            check(root.find(p) is not None, '%s: no %s' % (label, p))
        for p in case.get('absent', []):
            check(root.find(p) is None, '%s: %s is still there' % (label, p))
        if 'last' in case:
            eq(root[-1].tag, case['last'], label + ': last child of <domain>')
    elif kind == 'validate':
        found = {}
        for sev, code, where, message in out[0]:
            found.setdefault(code, sev if found.get(code) != 'error' else 'error')
        for code, want in case['findings'].items():
            eq(found.get(code), want, '%s: finding %s (all: %s)' % (label, code, out[0]))


def host_root(tmp, name):
    """A snapshot directory for NAME; 'milan-snp/sev=N' is milan-snp with kvm_amd.sev written N."""
    if '/' not in name:
        return None
    base, edit = name.split('/')
    root = os.path.join(tmp, base)
    shutil.copytree(os.path.join(harness.HOSTS_DIR, base), root, symlinks=True)
    param, value = edit.split('=')
    with open(os.path.join(root, 'sys', 'module', 'kvm_amd', 'parameters', param), 'w') as f:
        f.write(value + '\n')
    return root


def run_host(name, cases):
    tmp = tempfile.mkdtemp(prefix='memcrypt-conformance.')
    try:
        root = host_root(tmp, name)
        with (World(root=root, polkit='none') if root else World(host=name, polkit='none')) as w:
            bus = Bus(w)
            for case in cases:
                run_case(bus, case)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def tests():
    if not dbus_python():
        return [('conformance', lambda: (_ for _ in ()).throw(Skip('python3-dbus is missing')))]
    by_host = {}
    for case in CASES:
        by_host.setdefault(case.get('host', 'milan-snp'), []).append(case)
    out = [('docs/conformance.md gives these counts per peer', test_documented_counts)]
    for host, cases in sorted(by_host.items()):
        for peer in ('nova', 'libvirt', 'kubevirt'):
            mine = [x for x in cases if x['peer'] == peer]
            if mine:
                stricter = sum(1 for x in mine if 'stricter' in x or 'laxer' in x)
                out.append(('%s on %s: %d cases%s' % (peer, host, len(mine),
                                                       ' (%d deliberately different, said why)' % stricter
                                                       if stricter else ''),
                            lambda h=host, m=mine: run_host(h, m)))
    return out


def test_documented_counts():
    """docs/conformance.md's table gives the counts this file has."""
    names = {'OpenStack Nova': 'nova', 'libvirt': 'libvirt', 'KubeVirt': 'kubevirt'}
    with open(os.path.join(harness.SOURCE_ROOT, 'docs', 'conformance.md')) as f:
        rows = [[x.strip() for x in line.strip().strip('|').split('|')] for line in f if line.startswith('| ')]
    documented = {names[r[0]]: [int(r[2]), int(r[3])] for r in rows if r[0] in names}
    eq(documented, counts(), 'docs/conformance.md counts (cases, deliberately different) per peer')


def counts():
    """Cases per peer: all, and those where memcryptd deliberately differs."""
    table = {}
    for case in CASES:
        n = table.setdefault(case['peer'], [0, 0])
        n[0] += 1
        n[1] += 'stricter' in case or 'laxer' in case
    return {peer: list(n) for peer, n in table.items()}


if __name__ == '__main__':
    if '--counts' in sys.argv:
        for peer, (n, d) in counts().items():
            print('%s %d %d' % (peer, n, d))
        sys.exit(0)
    tap_main(tests())
