# `make install` / `make uninstall`, included from the top Makefile.
#
#   make install [DESTDIR=] [PREFIX=/usr/local] [KVER=$(uname -r) | KDIR=...]
#   make install-user      library, headers, pkg-config file, CLI, man pages,
#                          udev rule (what the Debian packages ship)
#   make install-module    userdma.ko through the kernel's modules_install,
#                          into /lib/modules/<KVER>/updates (under DESTDIR)
#
# LIBDIR, INCLUDEDIR, BINDIR, MANDIR, PKGCONFIGDIR and UDEVRULESDIR follow
# PREFIX unless given (Debian passes a multiarch LIBDIR).  The udev rule is
# installed with its only rule commented out: nodes stay root-only until an
# administrator chooses a group.

PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
MANDIR       ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
INSTALL      ?= install

USERDMA_VERSION := $(shell sed -n 's/^VERSION *:= *//p' lib/Makefile)
LIB_SONAME      := libuserdma.so.0

# The kernel to install for: KVER, else the release of KDIR, else the
# running kernel.  Debian's header trees name the upstream version in
# kernel.release (6.1.192 for 6.1.0-56-amd64), so /lib/modules/<r>/build
# is taken by its directory name.
KDIR_KVER = $(if $(filter /lib/modules/%/build,$(KDIR)),$(patsubst /lib/modules/%/build,%,$(KDIR)),$(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null))
ifneq ($(KDIR),)
INSTALL_KVER := $(or $(KVER),$(KDIR_KVER))
else
INSTALL_KVER := $(or $(KVER),$(shell uname -r))
endif
INSTALL_KDIR := $(or $(KDIR),/lib/modules/$(INSTALL_KVER)/build)
INSTALL_MOD  := $(CURDIR)/build/install-$(INSTALL_KVER)

.PHONY: install install-user install-lib install-headers install-tools \
	install-man install-udev install-module uninstall

install: install-user install-module

install-user: install-lib install-headers install-tools install-man install-udev

install-lib:
	$(MAKE) -C lib all
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 644 build/lib/libuserdma.a $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 644 build/lib/libuserdma.so.$(USERDMA_VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libuserdma.so.$(USERDMA_VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libuserdma.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(USERDMA_VERSION)|' \
		mk/userdma.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/userdma.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/userdma.pc

install-headers:
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR)/linux
	$(INSTALL) -m 644 lib/include/userdma.h $(DESTDIR)$(INCLUDEDIR)/userdma.h
	$(INSTALL) -m 644 include/uapi/linux/userdma.h $(DESTDIR)$(INCLUDEDIR)/linux/userdma.h

install-tools:
	$(MAKE) -C tools all
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 build/tools/userdma $(DESTDIR)$(BINDIR)/userdma

install-man:
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man4
	$(INSTALL) -m 644 man/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 644 man/man3/*.3 $(DESTDIR)$(MANDIR)/man3/
	$(INSTALL) -m 644 man/man4/*.4 $(DESTDIR)$(MANDIR)/man4/

install-udev:
	$(INSTALL) -d $(DESTDIR)$(UDEVRULESDIR)
	$(INSTALL) -m 644 packaging/udev/60-userdma.rules $(DESTDIR)$(UDEVRULESDIR)/

# A fresh copy per kernel, as scripts/build-module.sh does: Kbuild writes
# its objects next to the sources.
install-module:
	@test -d $(INSTALL_KDIR) || { echo "install-module: no kernel build tree at" \
		"$(INSTALL_KDIR); set KVER= or KDIR=" >&2; exit 1; }
	rm -rf $(INSTALL_MOD)
	sh scripts/module-sources.sh $(INSTALL_MOD)
	$(MAKE) -C $(INSTALL_KDIR) M=$(INSTALL_MOD)/kernel modules
	$(MAKE) -C $(INSTALL_KDIR) M=$(INSTALL_MOD)/kernel \
		INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates \
		$(NO_SIGN) modules_install

# Distribution header packages do not ship the signing key: without it
# modules_install would try (and noisily fail) to sign.
NO_SIGN = $(if $(wildcard $(INSTALL_KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=)

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libuserdma.a $(DESTDIR)$(LIBDIR)/libuserdma.so \
		$(DESTDIR)$(LIBDIR)/$(LIB_SONAME) \
		$(DESTDIR)$(LIBDIR)/libuserdma.so.$(USERDMA_VERSION) \
		$(DESTDIR)$(PKGCONFIGDIR)/userdma.pc \
		$(DESTDIR)$(INCLUDEDIR)/userdma.h $(DESTDIR)$(INCLUDEDIR)/linux/userdma.h \
		$(DESTDIR)$(BINDIR)/userdma \
		$(DESTDIR)$(UDEVRULESDIR)/60-userdma.rules \
		$(addprefix $(DESTDIR)$(MANDIR)/,$(patsubst man/%,%,$(wildcard man/man[134]/*.[134])))
	rm -f $(DESTDIR)/lib/modules/$(INSTALL_KVER)/updates/userdma.ko*
