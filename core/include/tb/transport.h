// SPDX-License-Identifier: Apache-2.0
// Registry transport plugins: read and write images at a location (layout, archive, registry).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tb/oci.h>
#include <tb/plugin.h>
#include <tb/result.h>

/// The kind's API: plugins of the same major and any minor load (docs/plugin-abi.md).
#define TB_TRANSPORT_API_MAJOR 2u
#define TB_TRANSPORT_API_MINOR 4u

namespace tb {

/// \brief A pull-based byte stream (blob contents). read() returning 0 means end of stream.
class BlobReader : public Versioned {
public:
	virtual ~BlobReader() = default;
	virtual Result<size_t> read(void *buffer, size_t size) noexcept = 0;

protected:
	explicit BlobReader(uint16_t m = TB_TRANSPORT_API_MINOR) noexcept : Versioned(m) {}
};

/// \brief One image listed by Transport::list().
struct ImageEntry {
	std::string name; ///< tag or ref name ("mycache:v1")
	Descriptor manifest;
};

/// \brief A readable image. Everything it returns is untrusted until the core verifies it.
class ImageSource : public Versioned {
public:
	virtual ~ImageSource() = default;
	/// \brief The top-level manifest or index; with \a instance, that child manifest.
	virtual Result<RawManifest> manifest(const std::optional<Digest> &instance) noexcept = 0;
	/// \brief Stream a blob. The caller verifies size and digest against \a blob.
	virtual Result<std::unique_ptr<BlobReader>> openBlob(const Descriptor &blob) noexcept = 0;
	/// \brief (minor 2) True when openBlob() may be called from several threads at once and
	/// the readers used each on its own thread. Otherwise the core serialises every call.
	virtual bool concurrentBlobs() const noexcept { return false; }

protected:
	explicit ImageSource(uint16_t m = TB_TRANSPORT_API_MINOR) noexcept : Versioned(m) {}
};

/// \brief (minor 4) An empty file in a destination's own storage that the caller writes one
/// blob into, hashing it as it writes (ImageDestination::createBlobFile()). Destroyed without
/// adopt(), the file is removed. Destroy it before its destination.
class BlobFile : public Versioned {
public:
	virtual ~BlobFile() = default;
	/// \brief The file, open for reading and writing at offset 0; this object owns it (the
	/// caller writes, seeks and reads, never closes it).
	virtual int fd() const noexcept = 0;
	/// \brief Make what was written to fd() the blob \a blob, as putBlob() would but without
	/// reading it again: the caller computed digest and size over exactly the bytes it wrote.
	/// The size is checked; the digest is the caller's word. Flushed to disk like putBlob()'s;
	/// visible only after the destination's commit(). \return Errc::Corrupt (wrong size)
	virtual Result<void> adopt(const Descriptor &blob) noexcept = 0;

protected:
	explicit BlobFile(uint16_t m = TB_TRANSPORT_API_MINOR) noexcept : Versioned(m) {}
};

/// \brief A writable image. Nothing is visible to readers before commit().
class ImageDestination : public Versioned {
public:
	virtual ~ImageDestination() = default;
	virtual Result<bool> hasBlob(const Descriptor &blob) noexcept = 0;
	/// \brief Store a blob, verifying that the bytes match \a blob's digest and size.
	virtual Result<void> putBlob(const Descriptor &blob, BlobReader &data) noexcept = 0;
	virtual Result<void> putManifest(const RawManifest &manifest) noexcept = 0;
	/// \brief False when only single-image manifests can be stored (docker-archive): the core
	/// then copies one platform's manifest out of an index instead of the whole index.
	virtual bool acceptsIndex() const noexcept { return true; }
	/// \brief Publish the manifest under the destination's name/tag, atomically.
	virtual Result<void> commit() noexcept = 0;
	/// \brief (minor 2) True when hasBlob() and putBlob() may be called from several threads
	/// at once for different blobs (the core then copies up to CopyOptions::jobs at once).
	/// putManifest() and commit() are always called alone, after every blob.
	virtual bool concurrentBlobs() const noexcept { return false; }

	// ---- minor 4: call only when apiMinor() >= 4 ----

	/// \brief A file for a blob the caller produces itself (`tb create`'s layer): written
	/// straight into the destination's storage, then BlobFile::adopt()ed, instead of staged
	/// elsewhere and copied in (and hashed again) by putBlob(). May be called from several
	/// threads when concurrentBlobs(). \return Errc::Unsupported where blobs are not files
	/// here: the caller then uses putBlob()
	virtual Result<std::unique_ptr<BlobFile>> createBlobFile() noexcept
	{
		return err(Errc::Unsupported,
			   "this destination takes blobs through putBlob() only");
	}

protected:
	explicit ImageDestination(uint16_t m = TB_TRANSPORT_API_MINOR) noexcept : Versioned(m) {}
};

/// \brief (minor 1) What the core may use a transport for besides the references it names.
enum TransportRole : uint32_t {
	/// Its locations are OCI image layout directories with "DIR:NAME:TAG" references: the
	/// core keeps the embedded local store (bare "name:tag" references) with it.
	LayoutStore = 1u << 0,
};

/// \brief (minor 3) Credentials `tb login` checks against a registry before storing them.
struct LoginCheck {
	std::string registry; ///< "HOST[:PORT]" as auth.json keys it
	std::string username;
	std::string password;          ///< never to appear in a message or a log
	std::optional<bool> tlsVerify; ///< --tls-verify; unset = the transport's own settings
};

/// \brief A transport plugin. Its plugin name is the reference prefix ("oci", "docker-archive").
class Transport : public Versioned {
public:
	virtual ~Transport() = default;
	/// \return Errc::NotFound, Errc::InvalidArgument (bad location), Errc::Io, Errc::Corrupt
	virtual Result<std::unique_ptr<ImageSource>>
	openSource(std::string_view location) noexcept = 0;
	virtual Result<std::unique_ptr<ImageDestination>>
	openDestination(std::string_view location) noexcept = 0;
	/// \return the images at \a location; Errc::Unsupported where listing makes no sense
	virtual Result<std::vector<ImageEntry>> list(std::string_view location) noexcept = 0;

	// ---- minor 1: call only when apiMinor() >= 1 ----

	/// \brief TransportRole bits.
	virtual uint32_t roles() const noexcept { return 0; }

	// ---- minor 3: call only when apiMinor() >= 3 ----

	/// \brief Check \a login against its registry (the registry's own protocol: Basic or a
	/// token). \return Errc::PermissionDenied when refused; Errc::Unsupported for a transport
	/// without registries
	virtual Result<void> checkLogin(const LoginCheck &login) noexcept
	{
		(void)login;
		return err(Errc::Unsupported, "this transport has no registry to log in to");
	}

protected:
	explicit Transport(uint16_t m = TB_TRANSPORT_API_MINOR) noexcept : Versioned(m) {}
};

template<>
struct KindTraits<Transport> {
	static constexpr uint32_t id = static_cast<uint32_t>(Kind::Transport);
	static constexpr const char *name = "transport";
	static constexpr uint16_t versionMajor = TB_TRANSPORT_API_MAJOR;
	static constexpr uint16_t versionMinor = TB_TRANSPORT_API_MINOR;
};

} // namespace tb
