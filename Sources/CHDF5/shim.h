// CHDF5: libhdf5 through pkg-config (Debian: libhdf5-dev, headers in /usr/include/hdf5/serial).
// HDF5's identifiers for native types, property-list classes, defaults and file-access flags are
// macros, several of which call H5open() and read a global (H5T_NATIVE_FLOAT_g); Swift cannot
// import them, so each one CIMHDF5 needs is wrapped here in a static inline function.
#ifndef CIMKIT_CHDF5_SHIM_H
#define CIMKIT_CHDF5_SHIM_H

#include <hdf5.h>

// Defaults and selections.
static inline hid_t cim_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t cim_h5s_all(void) { return H5S_ALL; }
static inline hid_t cim_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t cim_h5i_invalid_hid(void) { return H5I_INVALID_HID; }
static inline size_t cim_h5t_variable(void) { return H5T_VARIABLE; }

// File access flags.
static inline unsigned cim_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned cim_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned cim_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }

// Property-list classes.
static inline hid_t cim_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t cim_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t cim_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t cim_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t cim_h5p_attribute_create(void) { return H5P_ATTRIBUTE_CREATE; }

// Native memory types.
static inline hid_t cim_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t cim_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t cim_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t cim_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t cim_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t cim_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t cim_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t cim_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t cim_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t cim_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }

// The C string type that variable-length UTF-8 strings are derived from.
static inline hid_t cim_h5t_c_s1(void) { return H5T_C_S1; }

#endif
