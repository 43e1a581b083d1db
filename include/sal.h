/* sal.h — Microsoft source-code annotation language, accepted and ignored.
 * Driver source written for the WDK is full of these; they carry no meaning for gcc/clang. */
#ifndef STRATA_SAL_H
#define STRATA_SAL_H

#define _In_
#define _In_opt_
#define _In_z_
#define _In_opt_z_
#define _In_reads_(n)
#define _In_reads_opt_(n)
#define _In_reads_bytes_(n)
#define _In_reads_bytes_opt_(n)
#define _Out_
#define _Out_opt_
#define _Out_writes_(n)
#define _Out_writes_opt_(n)
#define _Out_writes_bytes_(n)
#define _Out_writes_bytes_opt_(n)
#define _Out_writes_bytes_to_(n, m)
#define _Out_writes_bytes_to_opt_(n, m)
#define _Out_writes_to_(n, m)
#define _Inout_
#define _Inout_opt_
#define _Inout_updates_(n)
#define _Inout_updates_bytes_(n)
#define _Outptr_
#define _Outptr_opt_
#define _Outptr_result_maybenull_
#define _Outptr_result_bytebuffer_(n)
#define _Deref_out_
#define _Deref_out_range_(a, b)
#define _Ret_maybenull_
#define _Ret_range_(a, b)
#define _Result_nullonfailure_
#define _Must_inspect_result_
#define _Check_return_
#define _Success_(e)
#define _When_(c, a)
#define _At_(t, a)
#define _Pre_
#define _Post_
#define _Pre_notnull_
#define _Post_invalid_
#define _Post_satisfies_(e)
#define _Post_writable_byte_size_(n)
#define _Field_size_(n)
#define _Field_size_bytes_(n)
#define _Field_size_opt_(n)
#define _Field_size_part_(size, count)
#define _Field_size_bytes_part_(size, count)
#define _Field_size_full_(size)
#define _Field_size_bytes_full_(size)
#define _Field_range_(a, b)
#define _Use_decl_annotations_
#define _Analysis_assume_(e)
#define _Printf_format_string_
#define _Null_terminated_
#define _Frees_ptr_
#define _Frees_ptr_opt_
#define _Reserved_
#define _Strict_type_match_
#define _Points_to_data_
#define _Literal_
#define _Notliteral_
#define _Const_
#define _Readable_bytes_(n)
#define _Writable_bytes_(n)

/* Old-style (SAL 1) annotations still used by the NDIS 5.x samples. libstdc++ uses __in and
 * __out as identifiers, so C++ units get them only when they ask with STRATA_SAL1_IN_CXX and
 * include the C++ standard headers first. */
#if !defined(__cplusplus) || defined(STRATA_SAL1_IN_CXX)
#define __in
#define __in_opt
#define __out
#define __out_opt
#define __inout
#define __inout_opt
#define __in_bcount(n)
#define __in_bcount_opt(n)
#define __in_ecount(n)
#define __out_bcount(n)
#define __out_bcount_opt(n)
#define __out_ecount(n)
#define __out_bcount_part(n, m)
#define __deref_out
#define __deref_out_opt
#define __deref_inout
#define __checkReturn
#define __success(e)
#define __reserved
#define __nullterminated
#define __field_bcount(n)
#define __field_ecount(n)
#endif

/* Parameter direction words from the DDK. */
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif
#ifndef UNALIGNED
#define UNALIGNED
#endif
#ifndef CONST
#define CONST const
#endif

#endif /* STRATA_SAL_H */
