; Vigil's Windows installer, for Debian's makensis (NSIS 3). Per-user install
; (no admin) into %LOCALAPPDATA%\Programs\Vigil of everything in a staging
; folder, a Start menu entry, an uninstaller registered under HKCU, and a check
; for the Microsoft Edge WebView2 Runtime (the app's window needs it; the
; `vigil` CLI doesn't): when it is missing the installer says so, offers the
; download page and then CONTINUES, so the runtime can be added afterwards.
;
;   makensis -DSTAGE=/path/to/stage -DVERSION=0.1.0 -DOUTFILE=/out/vigil-setup-0.1.0.exe \
;            [-DICON=icons/icon.ico] .ci/windows/vigil.nsi
; (.ci/windows/package does this.)

!ifndef STAGE
  !error "pass -DSTAGE=<staging folder>"
!endif
!ifndef VERSION
  !error "pass -DVERSION=<x.y.z>"
!endif
!ifndef OUTFILE
  !define OUTFILE "vigil-setup-${VERSION}.exe"
!endif

!define APP "Vigil"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Vigil"
!define WV2_GUID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WV2_URL "https://developer.microsoft.com/microsoft-edge/webview2/"

Unicode true
SetCompressor /SOLID lzma
Name "${APP} ${VERSION}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\Vigil"
ShowInstDetails show
ShowUninstDetails show
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP} installer"
VIAddVersionKey "LegalCopyright" "Vigil authors"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_FINISHPAGE_RUN "$INSTDIR\vigil-app.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start Vigil"
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; $0 = WebView2 runtime version ("" when missing). Checks the 64-bit registry
; view: per-machine (WOW6432Node and native key) and per-user installs.
Function FindWebView2
  SetRegView 64
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WV2_GUID}" "pv"
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKLM "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WV2_GUID}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WV2_GUID}" "pv"
  ${EndIf}
  ${If} $0 == "0.0.0.0"
    StrCpy $0 ""
  ${EndIf}
  SetRegView default
FunctionEnd

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "Vigil needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
FunctionEnd

Section "Vigil" SecMain
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  File /r "${STAGE}/*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\Vigil.lnk" "$INSTDIR\vigil-app.exe" "" "$INSTDIR\vigil-app.exe" 0

  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "Vigil"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\vigil-app.exe"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1

  Call FindWebView2
  ${If} $0 == ""
    DetailPrint "Microsoft Edge WebView2 Runtime: NOT FOUND"
    MessageBox MB_YESNO|MB_ICONEXCLAMATION "The Microsoft Edge WebView2 Runtime is not installed.$\r$\n$\r$\n\
Vigil's window needs it (the vigil command-line tool does not). Installation \
continues; install the runtime (the Evergreen Bootstrapper) from:$\r$\n\
${WV2_URL}$\r$\n$\r$\nOpen that page now?" /SD IDNO IDNO wv2_done
    ExecShell "open" "${WV2_URL}"
    wv2_done:
  ${Else}
    DetailPrint "Microsoft Edge WebView2 Runtime: $0"
  ${EndIf}
SectionEnd

; Removes what the installer put there (the staging layout: exes and DLLs at
; the top, licence texts) and the folder if it is then empty; never a
; recursive delete of $INSTDIR. User data (%APPDATA%\Vigil) is kept.
Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\Vigil.lnk"
  Delete "$INSTDIR\*.exe"
  Delete "$INSTDIR\*.dll"
  Delete "$INSTDIR\LICENSES.txt"
  RMDir /r "$INSTDIR\licenses"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINST_KEY}"
SectionEnd
