// SPDX-License-Identifier: Apache-2.0
// Bounds-checked ELF64 reader that finds and decodes tb_plugin_descriptor without dlopen().
#include "internal/elf_descriptor.h"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <tb/plugin.h>

namespace tb {

namespace {

#if defined(__x86_64__)
constexpr uint16_t kMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kMachine = EM_AARCH64;
#else
constexpr uint16_t kMachine = EM_NONE;
#endif

// Plugins are small; a file beyond this is not one we want to read into memory.
constexpr off_t kMaxFile = 512LL << 20;

// pread() only: every plugin of every scan is read here, before any is chosen, so no stream
// buffering or seeking (a process start reads a dozen of them).
class File {
public:
	explicit File(const std::string &path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC))
	{
		struct stat st {};
		if (fd_ >= 0 && ::fstat(fd_, &st) == 0)
			size_ = st.st_size;
		else if (fd_ >= 0)
			size_ = -1;
	}
	~File()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	File(const File &) = delete;
	File &operator=(const File &) = delete;
	bool ok() const { return fd_ >= 0 && size_ >= 0; }
	off_t size() const { return size_; }

	// Read \a n bytes at \a off, refusing anything outside the file.
	bool read(uint64_t off, void *dst, uint64_t n)
	{
		if (off > static_cast<uint64_t>(size_) || n > static_cast<uint64_t>(size_) - off)
			return false;
		auto *p = static_cast<char *>(dst);
		while (n > 0) {
			ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(off));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				return false;
			p += got;
			off += static_cast<uint64_t>(got);
			n -= static_cast<uint64_t>(got);
		}
		return true;
	}

private:
	int fd_;
	off_t size_ = 0;
};

Unexpected<Error> corrupt(const std::string &path, const char *what)
{
	return err(Errc::Corrupt, path + ": " + what);
}

} // namespace

Result<FileDescriptor> readFileDescriptor(const std::string &path)
{
	File f(path);
	if (!f.ok())
		return err(Errc::Io, path + ": cannot open: " + std::strerror(errno));
	if (f.size() > kMaxFile)
		return corrupt(path, "file too large to be a plugin");

	Elf64_Ehdr eh{};
	if (!f.read(0, &eh, sizeof(eh)) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return corrupt(path, "not an ELF file");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return err(Errc::Unsupported,
			   path + ": ELF class or byte order does not match this host");
	if (eh.e_machine != kMachine)
		return err(Errc::Unsupported, path + ": built for another machine (e_machine " +
						      std::to_string(eh.e_machine) + ")");
	if (eh.e_type != ET_DYN)
		return corrupt(path, "not an ELF shared object");
	if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 || eh.e_shnum > 4096)
		return corrupt(path, "bad ELF section header table");

	std::vector<Elf64_Shdr> sh(eh.e_shnum);
	if (!f.read(eh.e_shoff, sh.data(), sizeof(Elf64_Shdr) * sh.size()))
		return corrupt(path, "truncated ELF section header table");

	const Elf64_Shdr *dynsym = nullptr;
	for (const auto &s : sh)
		if (s.sh_type == SHT_DYNSYM)
			dynsym = &s;
	if (!dynsym || dynsym->sh_entsize != sizeof(Elf64_Sym) || dynsym->sh_link >= sh.size())
		return err(Errc::NotFound, path + ": no dynamic symbol table");
	const Elf64_Shdr &strtab = sh[dynsym->sh_link];
	if (strtab.sh_size > (64u << 20))
		return corrupt(path, "oversized dynamic string table");
	std::vector<char> strings(strtab.sh_size + 1, '\0');
	if (!f.read(strtab.sh_offset, strings.data(), strtab.sh_size))
		return corrupt(path, "truncated dynamic string table");

	uint64_t count = dynsym->sh_size / sizeof(Elf64_Sym);
	if (count > (1u << 22))
		return corrupt(path, "oversized dynamic symbol table");
	std::vector<Elf64_Sym> syms(count);
	if (!f.read(dynsym->sh_offset, syms.data(), count * sizeof(Elf64_Sym)))
		return corrupt(path, "truncated dynamic symbol table");

	constexpr size_t kDataSize = offsetof(PluginDescriptor, factory);
	for (const auto &sym : syms) {
		if (sym.st_name >= strtab.sh_size ||
		    std::strcmp(&strings[sym.st_name], TB_PLUGIN_DESCRIPTOR_SYMBOL) != 0)
			continue;
		if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= sh.size())
			return err(Errc::NotFound,
				   path + ": " TB_PLUGIN_DESCRIPTOR_SYMBOL " is not defined");
		// Only the plain-data prefix is required: it is the same in every ABI version,
		// so an older plugin is reported by its version, not as a broken file.
		if (ELF64_ST_TYPE(sym.st_info) != STT_OBJECT || sym.st_size < kDataSize)
			return corrupt(path,
				       TB_PLUGIN_DESCRIPTOR_SYMBOL " is not a descriptor object");
		const Elf64_Shdr &sec = sh[sym.st_shndx];
		// A descriptor in .bss would be filled by code at load time: not a constant.
		if (sec.sh_type == SHT_NOBITS || sym.st_value < sec.sh_addr ||
		    sym.st_value - sec.sh_addr + kDataSize > sec.sh_size)
			return corrupt(path,
				       TB_PLUGIN_DESCRIPTOR_SYMBOL " is not initialised data");

		PluginDescriptor d{};
		if (!f.read(sec.sh_offset + (sym.st_value - sec.sh_addr), &d, kDataSize))
			return corrupt(path, "truncated descriptor");
		FileDescriptor out;
		out.abiVersion = d.abiVersion;
		out.cxxAbi = d.cxxAbi;
		out.kind = d.kind;
		out.kindMajor = d.kindMajor;
		out.kindMinor = d.kindMinor;
		out.nameTerminated = std::memchr(d.name, 0, sizeof(d.name)) != nullptr;
		out.versionTerminated = std::memchr(d.version, 0, sizeof(d.version)) != nullptr;
		out.name.assign(d.name, strnlen(d.name, sizeof(d.name)));
		out.version.assign(d.version, strnlen(d.version, sizeof(d.version)));
		return out;
	}
	return err(Errc::NotFound,
		   path + ": no " TB_PLUGIN_DESCRIPTOR_SYMBOL " symbol (not a tb plugin)");
}

} // namespace tb
