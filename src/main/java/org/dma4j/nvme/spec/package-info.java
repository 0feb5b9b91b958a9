/**
 * The NVMe specification as data, written once and shared by the driver ({@code org.dma4j.nvme})
 * and the fake controller ({@code org.dma4j.fake}): the 64-byte submission queue entry
 * ({@link org.dma4j.nvme.spec.Sqe}) and the 16-byte completion queue entry
 * ({@link org.dma4j.nvme.spec.Cqe}) as {@link java.lang.foreign.MemoryLayout}s with named fields,
 * the opcodes ({@link org.dma4j.nvme.spec.AdminOpcode}, {@link org.dma4j.nvme.spec.NvmOpcode}),
 * the status codes ({@link org.dma4j.nvme.spec.StatusCode}), one encoder and the matching decoders
 * for every command dma4j sends ({@link org.dma4j.nvme.spec.AdminCommands},
 * {@link org.dma4j.nvme.spec.NvmCommands}), and the data structures the controller returns
 * (Identify Controller {@link org.dma4j.nvme.spec.IdCtrl}, Identify Namespace
 * {@link org.dma4j.nvme.spec.IdNs}, the SMART / Health log {@link org.dma4j.nvme.spec.SmartLogPage},
 * Error Information entries {@link org.dma4j.nvme.spec.ErrorLogPage}, Dataset Management ranges
 * {@link org.dma4j.nvme.spec.DsmRange}, protection information tuples
 * {@link org.dma4j.nvme.spec.PiTuple}). Names and bit positions are those of the NVMe Base
 * Specification 2.0 and the NVM Command Set Specification 1.0; each class names its figure.
 *
 * <p>Everything here is static and stateless: an encoder writes every byte of one entry straight
 * into a segment at an offset (a queue slot), so building a Read or Write allocates nothing. The
 * package depends on nothing else in dma4j; a tool of your own that speaks NVMe can use it alone.
 * Sharing one layout between driver and fake could hide a mistake in both; QEMU's NVMe model, the
 * kernel cross-check and the byte-for-byte tests of this package (against the specification's
 * tables) are the independent judges.
 */
package org.dma4j.nvme.spec;
