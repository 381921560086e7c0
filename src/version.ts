// The package version, for reports and `mlleaks --version` (a test holds it equal to package.json).
export const PACKAGE_VERSION = "0.1.0";
