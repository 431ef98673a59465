; Inno Setup 6 script: a Windows installer around the bundle's folder (docs/packaging.md).
; After `python packaging\build.py`, from the repository's root:
;   iscc /DVersion=0.1.0 packaging\windows\stancecoder.iss
; makes dist\StanceCoder-<version>-windows-setup.exe (unsigned). It installs for the current
; user only (no administrator rights needed), adds a Start menu entry and, if asked, a
; desktop icon. The command line is <install folder>\stancecoder.exe.

#ifndef Version
  #define Version "0.1.0"
#endif

[Setup]
AppId=StanceCoder
AppName=Stance Coder
AppVersion={#Version}
AppPublisher=Stance Coder
DefaultDirName={localappdata}\Programs\Stance Coder
DefaultGroupName=Stance Coder
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=StanceCoder-{#Version}-windows-setup
UninstallDisplayIcon={app}\Stance Coder.exe
Compression=lzma2
SolidCompression=yes

[Tasks]
Name: "desktopicon"; Description: "Create a desktop icon"; Flags: unchecked

[Files]
Source: "..\..\dist\StanceCoder-{#Version}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Stance Coder"; Filename: "{app}\Stance Coder.exe"
Name: "{autodesktop}\Stance Coder"; Filename: "{app}\Stance Coder.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\Stance Coder.exe"; Description: "Open Stance Coder"; Flags: nowait postinstall skipifsilent
