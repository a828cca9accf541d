// Build step: make a copied native library load on systems whose libstdc++ lacks one symbol version.
//
// TorchSharp 0.107's libLibTorchSharp.so lists GLIBCXX_3.4.32 as a required version for a single
// symbol (_ZSt21ios_base_library_initv), a marker GCC 13 references and never calls. Debian 12 and
// Ubuntu 22.04 ship GLIBCXX_3.4.30, so the dynamic loader refuses the library. Setting VER_FLG_WEAK
// on that one Vernaux entry of .gnu.version_r turns the refusal into nothing (a weak version need
// that is missing is ignored by ld.so), and the library then runs normally.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory as the inline task
// WeakenElfVersionNeed (Directory.Build.targets), and by the test project with
// ELF_PATCH_LOGIC_ONLY defined, so the byte-level logic is tested on a copy of the real file.
using System;
using System.IO;
using System.Text;

namespace Pipeline.Build
{
    public enum ElfPatchOutcome
    {
        /// <summary>The flag was set and the file rewritten.</summary>
        Patched,
        /// <summary>The entry was already weak: nothing written.</summary>
        AlreadyWeak,
        /// <summary>The file does not require that version: nothing written.</summary>
        NotRequired,
    }

    public static class ElfVersionNeed
    {
        public const ushort VerFlagWeak = 0x2;
        const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>
        /// Returns the file offset of the vna_flags field of the Vernaux entry naming
        /// <paramref name="versionName"/>, or -1 when the file has no such entry.
        /// Throws InvalidDataException for anything that is not a well-formed 64-bit little-endian ELF.
        /// </summary>
        public static long FindVernauxFlagsOffset(byte[] elf, string versionName)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only 64-bit little-endian ELF files are supported");

            long sectionTable = (long)ReadU64(elf, 0x28);
            int sectionSize = ReadU16(elf, 0x3A);
            int sectionCount = ReadU16(elf, 0x3C);
            for (int i = 0; i < sectionCount; i++)
            {
                long header = Checked(elf, sectionTable + (long)i * sectionSize, 64);
                if (ReadU32(elf, header + 4) != ShtGnuVerneed)
                    continue;

                long offset = (long)ReadU64(elf, header + 0x18);
                long stringTableHeader = Checked(elf, sectionTable + (long)ReadU32(elf, header + 0x28) * sectionSize, 64);
                long strings = (long)ReadU64(elf, stringTableHeader + 0x18);
                uint needCount = ReadU32(elf, header + 0x2C);

                long need = offset;
                for (uint n = 0; n < needCount; n++)
                {
                    Checked(elf, need, 16);
                    int auxCount = ReadU16(elf, need + 2);
                    long aux = need + ReadU32(elf, need + 8);
                    for (int a = 0; a < auxCount; a++)
                    {
                        Checked(elf, aux, 16);
                        if (ReadString(elf, strings + ReadU32(elf, aux + 8)) == versionName)
                            return aux + 4;
                        aux += ReadU32(elf, aux + 12);
                    }
                    need += ReadU32(elf, need + 12);
                }
            }
            return -1;
        }

        /// <summary>
        /// Marks the version need weak in <paramref name="path"/>. The new content goes to a temporary
        /// file that replaces the original by rename (so a hard-linked source such as a package cache is
        /// never modified) and keeps the original's timestamp (so incremental copies stay skipped).
        /// </summary>
        public static ElfPatchOutcome Patch(string path, string versionName)
        {
            byte[] elf = File.ReadAllBytes(path);
            long flags = FindVernauxFlagsOffset(elf, versionName);
            if (flags < 0)
                return ElfPatchOutcome.NotRequired;
            ushort value = ReadU16(elf, flags);
            if ((value & VerFlagWeak) != 0)
                return ElfPatchOutcome.AlreadyWeak;

            value |= VerFlagWeak;
            elf[flags] = (byte)value;
            elf[flags + 1] = (byte)(value >> 8);

            DateTime stamp = File.GetLastWriteTimeUtc(path);
            string temp = path + ".weak-tmp";
            File.WriteAllBytes(temp, elf);
            File.SetLastWriteTimeUtc(temp, stamp);
            File.Replace(temp, path, destinationBackupFileName: null); // rename(2) on Unix: atomic
            return ElfPatchOutcome.Patched;
        }

        /// <summary>True when a libstdc++ of this machine already defines the version (no patch needed).</summary>
        public static bool SystemProvides(string versionName)
        {
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            };
            byte[] needle = Encoding.ASCII.GetBytes(versionName + "\0");
            foreach (string candidate in candidates)
            {
                if (File.Exists(candidate))
                    return IndexOf(File.ReadAllBytes(candidate), needle) >= 0;
            }
            return false;
        }

        static long Checked(byte[] elf, long offset, int length)
        {
            if (offset < 0 || offset + length > elf.Length)
                throw new InvalidDataException($"truncated ELF file: offset {offset} + {length} is past its end ({elf.Length} bytes)");
            return offset;
        }

        static ushort ReadU16(byte[] b, long o) { Checked(b, o, 2); return (ushort)(b[o] | b[o + 1] << 8); }
        static uint ReadU32(byte[] b, long o) { Checked(b, o, 4); return (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24); }
        static ulong ReadU64(byte[] b, long o) => ReadU32(b, o) | (ulong)ReadU32(b, o + 4) << 32;

        static string ReadString(byte[] b, long o)
        {
            long end = Checked(b, o, 1);
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
        }

        static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }
    }

#if !ELF_PATCH_LOGIC_ONLY
    /// <summary>MSBuild task: weaken <see cref="VersionName"/> in each of <see cref="Files"/> that exists.</summary>
    public class WeakenElfVersionNeed : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        [Microsoft.Build.Framework.Required]
        public string VersionName { get; set; } = "";

        /// <summary>Patch even when this machine provides the version (the output runs elsewhere, e.g. a publish).</summary>
        public bool Always { get; set; }

        public override bool Execute()
        {
            if (!Always && ElfVersionNeed.SystemProvides(VersionName))
                return true;
            foreach (var item in Files)
            {
                string path = item.ItemSpec;
                if (!File.Exists(path))
                    continue;
                try
                {
                    var outcome = ElfVersionNeed.Patch(path, VersionName);
                    if (outcome == ElfPatchOutcome.Patched)
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, $"{path}: marked the {VersionName} version need weak");
                }
                catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
                {
                    Log.LogError($"{path}: cannot mark the {VersionName} version need weak: {e.Message}");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
