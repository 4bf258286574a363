// SPDX-License-Identifier: Apache-2.0
// Placeholder so the package loads on the `wire` branch; the core tests live on their own branch.
